import { describe, expect, it } from 'vitest';
import { EXPORT_FORMATS } from '../../src/api/types';
import { downloadMime } from './download';

describe('download type', () => {
  it('comes from the export-format table', () => {
    for (const f of Object.values(EXPORT_FORMATS)) expect(downloadMime(`x.${f.extension}`)).toBe(f.mime);
    expect(downloadMime('x-bundle.zip')).toBe('application/zip');
  });
});
