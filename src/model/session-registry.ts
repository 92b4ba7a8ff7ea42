// Owns the onnxruntime-node sessions of the exported graphs. Before a session is created its file is
// read once, checked against the manifest's sha256 (a missing or altered file is an
// ApiError('MODEL_ERROR') naming the file), and the session is built from those same verified bytes so
// nothing can change between check and load. Each graph gets one session, created on first request
// and shared; input/output names are checked against the manifest and the model contract.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ApiError } from '../api/errors.js';
import { EXPECTED_IO, loadManifest, REQUIRED_MODELS, type Manifest } from './manifest.js';

/** Session options. */
export interface SessionRegistryOptions {
  /** Threads per operator (onnxruntime intraOpNumThreads). Default 1: measured fastest on the 2-core target while other work runs. */
  intraOpNumThreads?: number;
  /** Create the required graphs (content encoder, speaker encoder, decoder) right away. Default true. */
  preload?: boolean;
  /** A manifest already loaded from `modelsDir` (skips reading it again). */
  manifest?: Manifest;
}

function modelError(message: string): ApiError {
  return new ApiError('MODEL_ERROR', message);
}

/** Creates, verifies and caches inference sessions for the graphs listed in a manifest. */
export class SessionRegistry {
  readonly modelsDir: string;
  readonly manifest: Manifest;
  /** Milliseconds spent verifying and creating sessions so far. */
  loadMs = 0;
  private readonly threads: number;
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  private disposed = false;

  private constructor(modelsDir: string, manifest: Manifest, threads: number) {
    this.modelsDir = modelsDir;
    this.manifest = manifest;
    this.threads = threads;
  }

  /**
   * Loads the manifest of `modelsDir` and (by default) the required sessions.
   * @throws ApiError MODEL_ERROR when the manifest or a graph file is missing, altered or malformed
   */
  static async open(modelsDir: string, options: SessionRegistryOptions = {}): Promise<SessionRegistry> {
    const t0 = performance.now();
    const manifest = options.manifest ?? loadManifest(modelsDir);
    const threads = Math.max(1, Math.floor(options.intraOpNumThreads ?? 1));
    const reg = new SessionRegistry(modelsDir, manifest, threads);
    if (options.preload ?? true) {
      try {
        await Promise.all(REQUIRED_MODELS.map((name) => reg.session(name)));
      } catch (err) {
        await reg.dispose();
        throw err;
      }
    }
    reg.loadMs = performance.now() - t0;
    return reg;
  }

  /** Whether the manifest lists graph `name`. */
  has(name: string): boolean {
    return name in this.manifest.models;
  }

  /**
   * The session of graph `name`, created once (verifying the file) and then shared.
   * @throws ApiError MODEL_ERROR naming the file when it is missing, altered or does not fit the contract
   */
  session(name: string): Promise<ort.InferenceSession> {
    if (this.disposed) return Promise.reject(modelError('The models were closed. Restart the app.'));
    let s = this.sessions.get(name);
    if (!s) {
      s = this.create(name);
      this.sessions.set(name, s);
      // A failed creation is not cached, so a repaired file can be picked up on the next call.
      s.catch(() => this.sessions.delete(name));
    }
    return s;
  }

  private async create(name: string): Promise<ort.InferenceSession> {
    const entry = this.manifest.models[name];
    if (!entry) throw modelError(`The manifest lists no "${name}" graph. Re-export the models.`);
    const file = path.join(this.modelsDir, entry.file);
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch {
      throw modelError(`Model file ${entry.file} is missing from ${this.modelsDir}. Reinstall the app or re-export the models.`);
    }
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== entry.sha256) {
      throw modelError(`Model file ${entry.file} is damaged or was altered (its sha256 does not match manifest.json). Reinstall the app or re-export the models.`);
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: this.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      });
    } catch (err) {
      throw modelError(`Model file ${entry.file} could not be loaded by onnxruntime (${(err as Error).message.split('\n')[0]}).`);
    }
    const expected = EXPECTED_IO[name] ?? { inputs: entry.inputs, outputs: entry.outputs };
    const missing = [
      ...[...entry.inputs, ...expected.inputs].filter((n) => !session.inputNames.includes(n)),
      ...[...entry.outputs, ...expected.outputs].filter((n) => !session.outputNames.includes(n)),
    ];
    if (missing.length > 0) {
      await session.release().catch(() => {});
      throw modelError(`Model file ${entry.file} does not have the expected inputs/outputs (${[...new Set(missing)].join(', ')} missing). Re-export the models.`);
    }
    return session;
  }

  /**
   * Runs graph `name` with float32 inputs.
   * @param feeds input name -> [data, dims]
   * @returns output name -> tensor
   */
  async run(name: string, feeds: Record<string, [Float32Array, number[]]>): Promise<Record<string, ort.Tensor>> {
    const session = await this.session(name);
    const inputs: Record<string, ort.Tensor> = {};
    for (const [k, [data, dims]] of Object.entries(feeds)) inputs[k] = new ort.Tensor('float32', data, dims);
    try {
      return (await session.run(inputs)) as Record<string, ort.Tensor>;
    } catch (err) {
      throw modelError(`The ${name} model failed to run (${(err as Error).message.split('\n')[0]}).`);
    }
  }

  /** Releases every session; later calls fail with MODEL_ERROR. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((p) => p.then((s) => s.release()).catch(() => {})));
  }
}
