// The `npm test` prerequisite check names what is missing, and only that.
import { describe, expect, it } from 'vitest';
import { missingPrereqs, nodeIsRecentEnough } from './test-prereqs';

describe('test prerequisites', () => {
  it('names a missing Chromium, missing tools and a Python without the packages', () => {
    const missing = missingPrereqs({ chromium: '/nonexistent/chromium', python: '/nonexistent/python3', has: () => false });
    const text = missing.map((m) => m.what).join('\n');
    expect(text).toMatch(/Chromium \(\/nonexistent\/chromium\)/);
    expect(text).toMatch(/sox/);
    expect(text).toMatch(/espeak-ng/);
    expect(text).toMatch(/torch, numpy, scipy, soundfile/);
    expect(missing.flatMap((m) => m.apt)).toEqual(expect.arrayContaining(['chromium', 'sox', 'espeak-ng', 'python3-torch']));
  });

  it('reports nothing for what is present', () => {
    // An existing file stands in for Chromium and every tool is found: only the absent Python is reported.
    const missing = missingPrereqs({ chromium: process.execPath, python: '/nonexistent/python3', has: () => true });
    expect(missing.map((m) => m.what)).toEqual([expect.stringMatching(/Python packages/)]);
  });

  it('accepts Node 20.19+ and 22+, refuses older', () => {
    expect(nodeIsRecentEnough('20.19.0')).toBe(true);
    expect(nodeIsRecentEnough('22.12.0')).toBe(true);
    expect(nodeIsRecentEnough('24.1.0')).toBe(true);
    expect(nodeIsRecentEnough('20.18.3')).toBe(false);
    expect(nodeIsRecentEnough('18.20.0')).toBe(false);
  });
});
