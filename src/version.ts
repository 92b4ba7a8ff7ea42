// What `version()` reports: the app, the runtime and which model graphs the manifest lists and are
// actually on disk, so a user (or a bug report) can tell at a glance whether the models shipped, and
// what the export can do (the discrete variant, the verifier behind the meters) so the UI can offer or
// explain each option.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import type { VersionInfo } from './api/types.js';

/** Reads version facts; never throws (a missing manifest just lists no models). */
export function readVersionInfo(
  root: string,
  transport: VersionInfo['transport'],
  modelsDir: string = path.join(root, 'models'),
): VersionInfo {
  const pkg = readJson(path.join(root, 'package.json')) as { version?: string } | undefined;
  let onnxruntime = 'unknown';
  try {
    // Resolved from the root rather than import.meta so this also works inside the CJS Electron bundle.
    const require = createRequire(path.join(root, 'package.json'));
    onnxruntime = (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    // Leave 'unknown': version() must still answer so the UI can say what is missing.
  }
  const manifest = readJson(path.join(modelsDir, 'manifest.json')) as
    | { models?: Record<string, { file?: string }> }
    | undefined;
  const models = Object.entries(manifest?.models ?? {}).map(([name, m]) => {
    const file = typeof m?.file === 'string' ? m.file : `${name}.onnx`;
    return { name, file, present: fs.existsSync(path.join(modelsDir, path.basename(file))) };
  });
  const present = (name: string): boolean => models.some((m) => m.name === name && m.present);
  const capabilities: VersionInfo['capabilities'] = {
    variants: present('content_encoder_vq') && present('decoder_vq') ? ['continuous', 'vq'] : ['continuous'],
    verifier: present('verifier'),
    neuralVocoder: present('vocoder'),
  };
  return { app: pkg?.version ?? '0.0.0', onnxruntime, node: process.versions.node, transport, models, capabilities };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
