// Web mode delivers exports as bytes: hand them to the browser as a download (Blob + <a download>).

/** Triggers a download of `bytes` named `fileName`. */
export function downloadBytes(bytes: Uint8Array, fileName: string): void {
  const type = fileName.endsWith('.zip') ? 'application/zip' : fileName.endsWith('.flac') ? 'audio/flac' : 'audio/wav';
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
