// Web mode delivers exports as bytes: hand them to the browser as a download (Blob + <a download>).
import { EXPORT_FORMATS } from '../../src/api/types';

/** The MIME type of a download: a bundle's zip, else the export format's (EXPORT_FORMATS) by extension. */
export function downloadMime(fileName: string): string {
  if (fileName.endsWith('.zip')) return 'application/zip';
  const ext = fileName.slice(fileName.lastIndexOf('.') + 1).toLowerCase();
  return Object.values(EXPORT_FORMATS).find((f) => f.extension === ext)?.mime ?? 'application/octet-stream';
}

/** Triggers a download of `bytes` named `fileName`. */
export function downloadBytes(bytes: Uint8Array, fileName: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: downloadMime(fileName) }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
