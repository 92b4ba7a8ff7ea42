// The renderer's only door to the engine: one typed function per VoiceApi call, each a single
// ipcRenderer.invoke on its own channel. No ipcRenderer, no Node, no generic "send" is exposed.
import { contextBridge, ipcRenderer } from 'electron';
import type { Envelope } from '../src/api/handlers.js';
import type { VoiceApi } from '../src/api/types.js';

async function call<T>(channel: string, args?: unknown): Promise<T> {
  const envelope = (await ipcRenderer.invoke(channel, args)) as Envelope<T>;
  if (envelope.ok) return envelope.result;
  throw Object.assign(new Error(envelope.error.message), { code: envelope.error.code });
}

const api: VoiceApi = {
  version: () => call('voice:version'),
  listVoices: () => call('voice:listVoices'),
  previewVoice: (args) => call('voice:previewVoice', args),
  enrollVoice: (args) => call('voice:enrollVoice', args),
  renameVoice: (args) => call('voice:renameVoice', args),
  deleteVoice: (args) => call('voice:deleteVoice', args),
  analyze: (args) => call('voice:analyze', args),
  startConversion: (args) => call('voice:startConversion', args),
  getJob: (args) => call('voice:getJob', args),
  cancelJob: (args) => call('voice:cancelJob', args),
  exportClip: (args) => call('voice:exportClip', args),
};

contextBridge.exposeInMainWorld('voiceApi', api);
