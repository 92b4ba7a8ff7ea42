// The renderer's only door to the engine: one typed function per VoiceApi call, each a single
// ipcRenderer.invoke on its own channel resolving with the call's envelope (app/bridge.ts turns a failed
// one into the ApiError; an Error thrown across contextBridge would keep its message only, not its code), and voiceEvents.subscribe for what the engine pushes (one
// listener on the one event channel; the page gets the event payload only, never the IPC event or
// ipcRenderer). No Node and no generic "send" is exposed.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Envelope, EnvelopeApi } from '../src/api/handlers.js';
import type { LiveServerMessage, VoiceEvent, VoiceEvents, VoiceLive } from '../src/api/types.js';

function call<T>(channel: string, args?: unknown): Promise<Envelope<T>> {
  return ipcRenderer.invoke(channel, args) as Promise<Envelope<T>>;
}

const api: EnvelopeApi = {
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
  exportBundle: (args) => call('voice:exportBundle', args),
};

const events: VoiceEvents = {
  subscribe: (listener) => {
    let active = true;
    const onEvent = (_event: IpcRendererEvent, payload: VoiceEvent): void => listener(payload);
    ipcRenderer.on('voice:event', onEvent);
    // IPC is up as long as the page is: say so, as the web transport does when its socket opens.
    queueMicrotask(() => active && listener({ type: 'channel', state: 'open', at: performance.timeOrigin + performance.now() }));
    return () => {
      active = false;
      ipcRenderer.removeListener('voice:event', onEvent);
    };
  },
};

// Live sessions: main hands this preload a MessagePort to the live engine process (after its sender
// check); the page gets connect(onMessage, onClose) -> { send, close }, never the port or ipcRenderer.
// Messages are structured clones (audio as Float32Array). One connection at a time.
const live: VoiceLive = {
  connect: (onMessage, onClose) => {
    let port: MessagePort | null = null;
    let closed = false;
    const pending: unknown[] = [];
    const end = (): void => {
      if (closed) return;
      closed = true;
      port?.close();
      onClose();
    };
    ipcRenderer.once('voice:livePort', (event: IpcRendererEvent) => {
      port = event.ports[0] ?? null;
      if (!port) return end();
      if (closed) return void port.close();
      port.onmessage = (m: MessageEvent) => onMessage(m.data as LiveServerMessage);
      // Electron fires 'close' on a port whose other end went away (the live process stopped).
      port.addEventListener('close', end);
      port.start();
      for (const m of pending.splice(0)) port.postMessage(m);
    });
    void ipcRenderer.invoke('voice:liveOpen').then((envelope: Envelope<null>) => {
      if (!envelope?.ok) end();
    }, end);
    return {
      send: (message) => {
        if (closed) return;
        if (port) port.postMessage(message);
        else pending.push(message);
      },
      close: () => {
        if (closed) return;
        closed = true;
        port?.close();
      },
    };
  },
};

contextBridge.exposeInMainWorld('voiceApi', api);
contextBridge.exposeInMainWorld('voiceEvents', events);
contextBridge.exposeInMainWorld('voiceLive', live);
