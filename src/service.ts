// Composes the engine modules into the VoiceApi implementation that every transport serves through
// the handler table. Transports differ only in where exports go (ExportSink) and what they call
// themselves (CallContext.transport).
import type { ApiImplementation } from './api/handlers.js';
import { ApiError } from './api/errors.js';
import type { ExportResult } from './api/types.js';
import { readVersionInfo } from './version.js';

/** Delivers encoded export bytes: the Electron shell asks for a path, web mode returns the bytes. */
export type ExportSink = (file: { fileName: string; bytes: Uint8Array }) => Promise<ExportResult>;

export interface ServiceOptions {
  /** Directory holding models/, assets/ and package.json. */
  root: string;
  /** Where enrolled voices and settings persist. */
  userDataDir: string;
  /** Where exports go; default returns the bytes to the caller. */
  exportSink?: ExportSink;
}

/** The VoiceApi implementation plus its resources. */
export interface VoiceService extends ApiImplementation {
  dispose(): Promise<void>;
}

/** Returns bytes to the caller (web mode: the renderer turns them into a download). */
export const returnBytes: ExportSink = async ({ fileName, bytes }) => ({ fileName, bytes });

/** Builds the service. Engine calls are wired here as the engine modules land. */
export function createVoiceService(options: ServiceOptions): VoiceService {
  const notYet = async (): Promise<never> => {
    throw new ApiError('MODEL_ERROR', 'The conversion engine is not available in this build.');
  };
  return {
    version: async (_args, ctx) => readVersionInfo(options.root, ctx.transport),
    listVoices: notYet,
    previewVoice: notYet,
    enrollVoice: notYet,
    renameVoice: notYet,
    deleteVoice: notYet,
    analyze: notYet,
    startConversion: notYet,
    getJob: notYet,
    cancelJob: notYet,
    exportClip: notYet,
    dispose: async () => {},
  };
}
