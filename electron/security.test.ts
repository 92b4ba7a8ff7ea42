// The Electron security checklist, tested without an Electron binary (issue 5): the window
// preferences, the URL and sender checks, the navigation/window-open/webview guards on a fake
// WebContents, the preload bridge (with 'electron' mocked: what exactly reaches the renderer), and
// main.ts itself loaded against a fake 'electron' module (IPC sender checks, permissions, the app://
// protocol handler, the window it opens, the engine in a utilityProcess stand-in that is a real Node
// child, events pushed to the window, exports saved behind the dialog in main). What cannot run here is listed in the README's
// reliability section as code-review notes.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CALL_NAMES } from '../src/api/types.js';
import { HAVE_MODELS } from '../src/test-support/models.js';
import { APP_ORIGIN, CONTENT_SECURITY_POLICY, EXTERNAL_ORIGINS, isAppUrl, isExternalAllowed, isTrustedSender, lockDownContents, secureWebPreferences } from './security.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..');

/** A stand-in for Electron's WebContents: an EventEmitter with the window-open handler slot. */
class FakeContents extends EventEmitter {
  windowOpen: ((d: { url: string }) => { action: string }) | null = null;
  mainFrame = { url: `${APP_ORIGIN}/index.html` };
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.windowOpen = h;
  }
}

function fire(contents: FakeContents, event: string, url?: string): boolean {
  let prevented = false;
  contents.emit(event, { preventDefault: () => (prevented = true) }, url);
  return prevented;
}

describe('window preferences', () => {
  it('isolate and sandbox the renderer with no Node anywhere', () => {
    const prefs = secureWebPreferences('/x/preload.cjs')!;
    expect(prefs).toMatchObject({
      preload: '/x/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      devTools: false,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(prefs).not.toHaveProperty('enableRemoteModule');
    expect(prefs).not.toHaveProperty('experimentalFeatures');
  });

  it('the CSP allows only the app itself: no eval, no inline script, no plugins, no framing, no remote connect', () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'none'"]);
    expect(directives['form-action']).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|\*|https?:/);
    for (const v of directives['connect-src']) expect(["'self'", 'blob:', 'data:']).toContain(v);
  });
});

describe('isAppUrl', () => {
  it.each([`${APP_ORIGIN}/index.html`, `${APP_ORIGIN}/`, `${APP_ORIGIN}/assets/x.js?y=1#z`])('accepts %s', (url) => {
    expect(isAppUrl(url)).toBe(true);
  });
  it.each([
    'app://voiceshift.evil.example/index.html',
    'app://voiceshiftx/index.html',
    'app://evil@voiceshift.example/',
    'app://other/index.html',
    'file:///etc/passwd',
    'https://voiceshift/',
    'http://127.0.0.1:1234/',
    'javascript:alert(1)',
    'data:text/html,<script>1</script>',
    'about:blank',
    'APP://VOICESHIFT.evil/',
    '',
    'not a url',
  ])('refuses %s', (url) => {
    expect(isAppUrl(url)).toBe(false);
  });
});

describe('lockDownContents', () => {
  it('blocks navigation and redirects away from the app, keeps in-app ones', () => {
    const c = new FakeContents();
    lockDownContents(c as never, () => {});
    expect(fire(c, 'will-navigate', 'https://evil.example/')).toBe(true);
    expect(fire(c, 'will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(fire(c, 'will-navigate', 'app://voiceshift.evil/')).toBe(true);
    expect(fire(c, 'will-redirect', 'https://evil.example/')).toBe(true);
    expect(fire(c, 'will-navigate', `${APP_ORIGIN}/index.html`)).toBe(false);
    expect(fire(c, 'will-redirect', `${APP_ORIGIN}/index.html`)).toBe(false);
  });

  it('refuses every webview', () => {
    const c = new FakeContents();
    lockDownContents(c as never, () => {});
    expect(fire(c, 'will-attach-webview')).toBe(true);
  });

  it('denies every new window and opens nothing outside: the external allow-list is empty', () => {
    const c = new FakeContents();
    const opened: string[] = [];
    lockDownContents(c as never, (u) => opened.push(u));
    for (const url of ['https://example.org/docs', 'https://evil.example/phish', 'http://example.org/', 'file:///etc/passwd', 'javascript:alert(1)', `${APP_ORIGIN}/index.html`, 'smb://host/share', 'vscode://x']) {
      expect(c.windowOpen!({ url })).toEqual({ action: 'deny' });
    }
    expect(EXTERNAL_ORIGINS).toEqual([]);
    expect(opened).toEqual([]);
  });

  it('an allow-list admits exact https origins only', () => {
    const list = ['https://docs.example.org'];
    expect(isExternalAllowed('https://docs.example.org/guide', list)).toBe(true);
    for (const url of ['http://docs.example.org/', 'https://docs.example.org.evil/', 'https://evil.example/?https://docs.example.org', 'https://user@evil.example/', 'not a url']) {
      expect(isExternalAllowed(url, list), url).toBe(false);
    }
  });
});

describe('isTrustedSender', () => {
  const contents = new FakeContents();
  const event = (sender: unknown, frame: unknown) => ({ sender, senderFrame: frame }) as never;

  it('accepts the main frame of our window showing our origin', () => {
    expect(isTrustedSender(event(contents, contents.mainFrame), contents as never)).toBe(true);
  });

  it('refuses another window, a subframe, a navigated frame, a missing frame or no window', () => {
    const other = new FakeContents();
    expect(isTrustedSender(event(other, other.mainFrame), contents as never)).toBe(false);
    expect(isTrustedSender(event(contents, { url: `${APP_ORIGIN}/index.html` }), contents as never)).toBe(false);
    expect(isTrustedSender(event(contents, null), contents as never)).toBe(false);
    expect(isTrustedSender(event(contents, contents.mainFrame), null)).toBe(false);
    const navigated = new FakeContents();
    navigated.mainFrame = { url: 'https://evil.example/' };
    expect(isTrustedSender(event(navigated, navigated.mainFrame), navigated as never)).toBe(false);
  });
});

/** The src/ modules the renderer may import at run time: plain code without Node (types.ts holds only types and plain-data constants; errors.ts the ApiError class and its wire helpers, with type-only imports). */
const RENDERER_SAFE = /^src[\\/]api[\\/](types|wire|file-names|live-frames|errors)(\.js|\.ts)?$/;

describe('the renderer (app/) cannot reach Node by construction', () => {
  it('imports no Node or Electron module, and from src/ only the API types, the wire codec, the file-name sanitiser and the error type (type-only imports aside)', () => {
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory() && e.name !== 'node_modules') walk(p);
        else if (/\.(ts|tsx)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) files.push(p);
      }
    };
    walk(path.join(ROOT, 'app'));
    expect(files.length).toBeGreaterThan(5);
    const bad: string[] = [];
    const NODE = /^(node:|fs$|path$|os$|child_process$|crypto$|http$|net$|worker_threads$|module$|process$|electron$|onnxruntime)/;
    for (const f of files) {
      // Type-only imports are erased at build time: they bring no code into the renderer.
      const src = fs.readFileSync(f, 'utf8').replace(/^\s*(import|export)\s+type\s[^;]*;/gm, '');
      for (const m of src.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]/gm)) {
        const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
        const rel = path.relative(ROOT, path.resolve(path.dirname(f), spec));
        const intoSrc = spec.startsWith('.') && rel.startsWith('src' + path.sep);
        if (NODE.test(spec) || (intoSrc && !RENDERER_SAFE.test(rel))) bad.push(`${path.relative(ROOT, f)}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
    // The one error type is shared with the renderer: src/api/errors.ts brings no code of its own imports.
    const errorsSrc = fs.readFileSync(path.join(ROOT, 'src', 'api', 'errors.ts'), 'utf8');
    expect([...errorsSrc.matchAll(/^\s*import\s+(?!type\s)/gm)]).toEqual([]);
  });

  it('the src/api modules the renderer may load import nothing but each other', () => {
    for (const name of ['types', 'wire', 'file-names', 'live-frames']) {
      const src = fs.readFileSync(path.join(ROOT, 'src', 'api', `${name}.ts`), 'utf8');
      const specs = [...src.matchAll(/\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? m[2]);
      for (const spec of specs) expect(`${name}: ${spec}`).toMatch(/: \.\/(types|wire|file-names|live-frames)\.js$/);
    }
  });
});

// ---- preload.ts and main.ts against a fake 'electron' module --------------------------------------

const fake = vi.hoisted(() => {
  const state = {
    exposed: {} as Record<string, unknown>,
    invoked: [] as { channel: string; args: unknown }[],
    ipcHandlers: new Map<string, (event: unknown, args: unknown) => unknown>(),
    appHandlers: new Map<string, (...a: unknown[]) => unknown>(),
    protocolHandler: null as null | ((req: { url: string }) => Promise<Response>),
    privileged: [] as unknown[],
    permissionHandler: null as null | ((c: unknown, p: string, cb: (ok: boolean) => void, d: { requestingUrl?: string }) => void),
    permissionCheck: null as null | ((c: unknown, p: string, origin: string) => boolean),
    windows: [] as { options: Record<string, unknown>; loaded: string[]; webContents: unknown }[],
    fetched: [] as string[],
    openedExternal: [] as string[],
    userData: '',
    rendererListeners: new Map<string, (event: unknown, payload: unknown) => void>(),
    forked: [] as { modulePath: string; pid?: number; kill: () => void }[],
    sent: [] as { channel: string; payload: unknown }[],
    saveDialogs: [] as unknown[],
    saveTo: null as string | null,
  };
  return state;
});

vi.mock('electron', async () => {
  const { EventEmitter: EE } = await import('node:events');
  class Contents extends EE {
    mainFrame = { url: 'app://voiceshift/index.html' };
    windowOpen: unknown = null;
    setWindowOpenHandler(h: unknown): void {
      this.windowOpen = h;
    }
    isDestroyed(): boolean {
      return false;
    }
    send(channel: string, payload: unknown): void {
      fake.sent.push({ channel, payload });
    }
  }
  /**
   * utilityProcess.fork stand-in: a real Node child running the engine host from source (what
   * dist-electron/engine.cjs bundles), behind the UtilityProcess surface main.ts uses.
   */
  const { fork } = await import('node:child_process');
  const nodePath = await import('node:path');
  const { fileURLToPath: toPath } = await import('node:url');
  class UtilityProcess extends EE {
    private readonly child;
    constructor(modulePath: string, args: string[]) {
      super();
      const host = nodePath.resolve(nodePath.dirname(toPath(import.meta.url)), '..', 'src', 'engine-process', 'host.ts');
      this.child = fork(host, args, { serialization: 'advanced', execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      this.child.on('spawn', () => this.emit('spawn'));
      this.child.on('message', (m) => this.emit('message', m));
      this.child.on('exit', (code) => this.emit('exit', code ?? 1));
      fake.forked.push({ modulePath, pid: this.child.pid, kill: () => this.child.kill('SIGKILL') });
    }
    get pid(): number | undefined {
      return this.child.pid;
    }
    postMessage(message: unknown): void {
      this.child.send(message as never);
    }
    kill(): boolean {
      return this.child.kill();
    }
  }
  class BrowserWindow extends EE {
    static all: BrowserWindow[] = [];
    webContents = new Contents();
    loaded: string[] = [];
    constructor(public options: Record<string, unknown>) {
      super();
      BrowserWindow.all.push(this);
      fake.windows.push(this as never);
    }
    loadURL(url: string): Promise<void> {
      this.loaded.push(url);
      return Promise.resolve();
    }
    show(): void {}
    static getAllWindows(): BrowserWindow[] {
      return BrowserWindow.all;
    }
  }
  return {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (fake.exposed[key] = api) },
    ipcRenderer: {
      invoke: async (channel: string, args: unknown) => {
        fake.invoked.push({ channel, args });
        return { ok: true, result: channel };
      },
      on: (channel: string, fn: (event: unknown, payload: unknown) => void) => fake.rendererListeners.set(channel, fn),
      removeListener: (channel: string, fn: unknown) => {
        if (fake.rendererListeners.get(channel) === fn) fake.rendererListeners.delete(channel);
      },
    },
    utilityProcess: { fork: (modulePath: string, args: string[]) => new UtilityProcess(modulePath, args) },
    app: {
      isPackaged: false,
      getAppPath: () => ROOT_FOR_MOCK(),
      getPath: () => fake.userData,
      on: (ev: string, fn: (...a: unknown[]) => unknown) => fake.appHandlers.set(ev, fn),
      whenReady: () => Promise.resolve(),
      quit: () => {},
    },
    BrowserWindow,
    dialog: {
      showSaveDialog: async (_win: unknown, options: unknown) => {
        fake.saveDialogs.push(options);
        return fake.saveTo ? { canceled: false, filePath: fake.saveTo } : { canceled: true };
      },
    },
    ipcMain: { handle: (channel: string, fn: (event: unknown, args: unknown) => unknown) => fake.ipcHandlers.set(channel, fn) },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: () => {} },
    net: {
      fetch: async (url: string) => {
        fake.fetched.push(url);
        return new Response('file body', { status: 200, headers: { 'content-type': 'text/html' } });
      },
    },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => fake.privileged.push(...s),
      handle: (_scheme: string, fn: (req: { url: string }) => Promise<Response>) => (fake.protocolHandler = fn),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: never) => (fake.permissionHandler = fn),
        setPermissionCheckHandler: (fn: never) => (fake.permissionCheck = fn),
      },
    },
    shell: { openExternal: async (url: string) => void fake.openedExternal.push(url) },
  };
});

function ROOT_FOR_MOCK(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
}

describe('preload bridge (electron mocked)', () => {
  beforeAll(async () => {
    await import('./preload.js');
  });

  it('exposes voiceApi, with exactly one function per call and nothing else, and voiceEvents.subscribe', () => {
    expect(Object.keys(fake.exposed)).toEqual(['voiceApi', 'voiceEvents', 'voiceLive']);
    expect(Object.keys(fake.exposed.voiceEvents as object)).toEqual(['subscribe']);
    // Live mode (issue 16): connect(onMessage, onClose) only; the MessagePort stays in the preload.
    expect(Object.keys(fake.exposed.voiceLive as object)).toEqual(['connect']);
    const api = fake.exposed.voiceApi as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual([...CALL_NAMES].sort());
    for (const name of CALL_NAMES) expect(typeof api[name]).toBe('function');
  });

  it('each function invokes only its own channel, passing the arguments through', async () => {
    const api = fake.exposed.voiceApi as Record<string, (a?: unknown) => Promise<unknown>>;
    for (const name of CALL_NAMES) {
      fake.invoked.length = 0;
      const result = await api[name]({ probe: name });
      expect(fake.invoked).toHaveLength(1);
      expect(fake.invoked[0].channel).toBe(`voice:${name}`);
      expect(result).toEqual({ ok: true, result: `voice:${name}` });
    }
  });

  it('hands an error envelope to the page whole (a thrown Error would lose its code crossing contextBridge)', async () => {
    const api = fake.exposed.voiceApi as Record<string, (a?: unknown) => Promise<unknown>>;
    const electron = await import('electron');
    const spy = vi.spyOn(electron.ipcRenderer, 'invoke').mockResolvedValueOnce({ ok: false, error: { code: 'NOT_FOUND', message: 'gone' } });
    await expect(api.getJob({ jobId: 'x' })).resolves.toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'gone' } });
    spy.mockRestore();
  });

  it('voiceEvents.subscribe listens on the one event channel, hands the page the payload only, and unsubscribes', async () => {
    const events = fake.exposed.voiceEvents as { subscribe: (l: (e: unknown) => void) => () => void };
    const got: unknown[] = [];
    const unsubscribe = events.subscribe((e) => got.push(e));
    expect([...fake.rendererListeners.keys()]).toEqual(['voice:event']);
    const ipcEvent = { sender: { send: () => {} }, ports: [] };
    const payload = { type: 'job', job: { jobId: 'job-1', state: 'running', progress: 0.5, stage: 'vocoder' }, at: 1 };
    fake.rendererListeners.get('voice:event')!(ipcEvent, payload);
    await Promise.resolve();
    // The channel says it is open (as the web transport does), then the payload itself, never the IPC event.
    expect(got).toContainEqual(expect.objectContaining({ type: 'channel', state: 'open' }));
    expect(got).toContainEqual(payload);
    expect(got).not.toContain(ipcEvent);
    unsubscribe();
    expect(fake.rendererListeners.size).toBe(0);
  });

  it('the preload source never hands ipcRenderer, require or process to the page', () => {
    const src = fs.readFileSync(path.join(here, 'preload.ts'), 'utf8');
    const exposes = [...src.matchAll(/exposeInMainWorld\(([^)]*)\)/g)].map((m) => m[1]);
    expect(exposes).toEqual(["'voiceApi', api", "'voiceEvents', events", "'voiceLive', live"]);
    // The live port arrives once per connection on its own channel (after main's sender check).
    expect([...src.matchAll(/ipcRenderer\.once\(([^,]*),/g)].map((m) => m[1])).toEqual(["'voice:livePort'"]);
    // One listener, on the event channel only; no send, no generic channel.
    expect([...src.matchAll(/ipcRenderer\.on\(([^,]*),/g)].map((m) => m[1])).toEqual(["'voice:event'"]);
    expect(src).not.toMatch(/ipcRenderer\.send\b|require\(|process\./);
  });
});

describe('main process (electron mocked)', () => {
  let main: { window: (typeof fake.windows)[number] };

  beforeAll(async () => {
    fake.userData = fs.mkdtempSync(path.join(os.tmpdir(), 'vs-electron-'));
    await import('./main.js');
    // app.whenReady().then(...) ran on a microtask: let it finish.
    await new Promise((r) => setTimeout(r, 10));
    main = { window: fake.windows[0] };
  });
  afterAll(async () => {
    // will-quit shuts the engine process down.
    await (fake.appHandlers.get('will-quit')?.() as Promise<void> | undefined);
    await new Promise((r) => setTimeout(r, 200));
    for (const f of fake.forked) f.kill();
    fs.rmSync(fake.userData, { recursive: true, force: true });
  });

  it('opens one window with the secure preferences, loading the app over app://', () => {
    expect(fake.windows).toHaveLength(1);
    const prefs = main.window.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false, webSecurity: true });
    // Development build (isPackaged false): dev tools allowed; packaged builds pass false.
    expect(prefs.devTools).toBe(true);
    expect(String(prefs.preload)).toMatch(/preload\.cjs$/);
    expect((main.window as unknown as { loaded: string[] }).loaded).toEqual([`${APP_ORIGIN}/index.html`]);
    expect(fake.privileged).toMatchObject([{ scheme: 'app', privileges: { standard: true, secure: true } }]);
    expect((fake.privileged[0] as { privileges: Record<string, unknown> }).privileges).not.toHaveProperty('bypassCSP');
  });

  it('locks down every WebContents that gets created, not only the main window', () => {
    const created = fake.appHandlers.get('web-contents-created')!;
    const c = new FakeContents();
    created({}, c);
    expect(fire(c, 'will-navigate', 'https://evil.example/')).toBe(true);
    expect(c.windowOpen!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
  });

  it('registers exactly one IPC channel per call, each refusing untrusted senders', async () => {
    // Every call, plus the live channel's opener (it hands a MessagePort over, see main.ts).
    expect([...fake.ipcHandlers.keys()].sort()).toEqual([...CALL_NAMES.map((n) => `voice:${n}`), 'voice:liveOpen'].sort());
    const wc = main.window.webContents as FakeContents;
    const stranger = new FakeContents();
    for (const [channel, handler] of fake.ipcHandlers) {
      const refused = (await handler({ sender: stranger, senderFrame: stranger.mainFrame }, undefined)) as { ok: boolean; error?: { message: string } };
      expect(refused, channel).toMatchObject({ ok: false, error: { message: expect.stringMatching(/unknown sender/) } });
      const subframe = (await handler({ sender: wc, senderFrame: { url: `${APP_ORIGIN}/index.html` } }, undefined)) as { ok: boolean };
      expect(subframe.ok, channel).toBe(false);
    }
    const version = (await fake.ipcHandlers.get('voice:version')!({ sender: wc, senderFrame: wc.mainFrame }, undefined)) as { ok: boolean; result: { transport: string } };
    expect(version).toMatchObject({ ok: true, result: { transport: 'electron' } });
    const bad = (await fake.ipcHandlers.get('voice:getJob')!({ sender: wc, senderFrame: wc.mainFrame }, { jobId: ['x'] })) as { ok: boolean; error: { code: string } };
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('grants only the microphone, and only to the app itself', () => {
    const ask = (permission: string, requestingUrl?: string): boolean => {
      let granted: boolean | null = null;
      fake.permissionHandler!({}, permission, (ok) => (granted = ok), { requestingUrl });
      return granted!;
    };
    expect(ask('media', `${APP_ORIGIN}/index.html`)).toBe(true);
    for (const p of ['geolocation', 'notifications', 'midi', 'midiSysex', 'clipboard-read', 'display-capture', 'openExternal', 'fullscreen', 'pointerLock', 'hid', 'serial', 'usb']) {
      expect(ask(p, `${APP_ORIGIN}/index.html`), p).toBe(false);
    }
    expect(ask('media', 'https://evil.example/')).toBe(false);
    expect(ask('media', 'app://voiceshift.evil.example/')).toBe(false);
    expect(ask('media', undefined)).toBe(false);
    // Synchronous permission checks follow the same rule instead of Electron's permissive default.
    expect(fake.permissionCheck!({}, 'media', APP_ORIGIN)).toBe(true);
    expect(fake.permissionCheck!({}, 'notifications', APP_ORIGIN)).toBe(false);
    expect(fake.permissionCheck!({}, 'media', 'https://evil.example')).toBe(false);
  });

  it('the app:// handler serves files from dist/ only, with the CSP on every response', async () => {
    const handler = fake.protocolHandler!;
    const dist = path.join(ROOT, 'dist');
    fake.fetched.length = 0;
    const ok = await handler({ url: `${APP_ORIGIN}/index.html` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    for (const url of [
      `${APP_ORIGIN}/..%2f..%2fetc%2fpasswd`,
      `${APP_ORIGIN}/%2e%2e/package.json`,
      `${APP_ORIGIN}/..%2fpackage.json`,
      `${APP_ORIGIN}/%2fetc%2fpasswd`,
      `${APP_ORIGIN}/assets/..%2f..%2f..%2fetc%2fpasswd`,
    ]) {
      // URL parsing folds %2e%2e segments at the root, so some of these ask for dist/<name>: fine,
      // as long as nothing outside dist/ is fetched (checked below).
      await handler({ url }).catch(() => null);
    }
    // Whatever it fetched lies inside dist/.
    for (const f of fake.fetched) expect(fileURLToPath(f).startsWith(dist + path.sep), f).toBe(true);
    // Malformed escapes fail the request instead of reading anything.
    const malformed = await handler({ url: `${APP_ORIGIN}/%E0%A4%A` }).then(
      (r) => r.status,
      () => 'rejected',
    );
    expect([400, 404, 'rejected']).toContain(malformed);
    expect(fake.fetched.length).toBeGreaterThan(0);
  });

  it('runs the engine in a utilityProcess (engine.cjs), not in the main process', async () => {
    expect(fake.forked).toHaveLength(1);
    expect(fake.forked[0].modulePath).toMatch(/engine\.cjs$/);
    expect(fake.forked[0].pid).toBeGreaterThan(0);
    expect(fake.forked[0].pid).not.toBe(process.pid);
  });

  it('bundles no engine code into the main process (no pipeline, DSP, models or onnxruntime)', async () => {
    const { build } = await import('esbuild');
    const r = await build({
      entryPoints: [path.join(here, 'main.ts')], bundle: true, platform: 'node', format: 'cjs', write: false, metafile: true,
      external: ['electron', 'onnxruntime-node'], logLevel: 'silent',
    });
    const inputs = Object.keys(r.metafile.inputs).map((f) => f.replace(/\\/g, '/'));
    expect(inputs.some((f) => f.includes('electron/main.ts'))).toBe(true);
    expect(inputs.filter((f) => /src\/(convert|dsp|model)\/|src\/service\.ts/.test(f))).toEqual([]);
    expect(Object.values(r.metafile.outputs)[0].imports.map((i) => i.path)).not.toContain('onnxruntime-node');
  });

  it.skipIf(!HAVE_MODELS)('pushes job events from the engine to the window on one channel, and saves exports behind the dialog here', async () => {
    const wc = main.window.webContents as FakeContents;
    const trusted = { sender: wc, senderFrame: wc.mainFrame };
    const invoke = (name: string, args?: unknown) => fake.ipcHandlers.get(`voice:${name}`)!(trusted, args) as Promise<{ ok: boolean; result?: unknown; error?: unknown }>;
    const voices = (await invoke('listVoices')).result as { id: string }[];
    const t = new Float32Array(16000).map((_, i) => 0.3 * Math.sin(i / 8) * (i % 4000 < 3000 ? 1 : 0));
    const started = await invoke('startConversion', { source: { sampleRate: 16000, channels: [t] }, target: { mix: [{ voiceId: voices[0].id, weight: 1 }] } });
    const { jobId } = started.result as { jobId: string };
    const deadline = Date.now() + 60_000;
    const isEnd = (e: { channel: string; payload: unknown }): boolean => {
      const p = e.payload as { type: string; job?: { jobId: string; state: string } };
      return e.channel === 'voice:event' && p.type === 'job' && p.job?.jobId === jobId && p.job.state === 'done';
    };
    while (!fake.sent.some(isEnd)) {
      if (Date.now() > deadline) throw new Error('no done event reached the window');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(new Set(fake.sent.map((e) => e.channel))).toEqual(new Set(['voice:event']));
    // Export: the engine encodes; the dialog and the write happen in main.
    const clip = { audio: { sampleRate: 16000, channels: [t] }, format: 'wav', sampleRate: 16000, bitDepth: 16, name: 'take' };
    fake.saveTo = null;
    expect(await invoke('exportClip', clip)).toMatchObject({ ok: true, result: { fileName: 'take.wav', cancelled: true } });
    fake.saveTo = path.join(fake.userData, 'out.wav');
    expect(await invoke('exportClip', clip)).toMatchObject({ ok: true, result: { fileName: 'out.wav', path: fake.saveTo } });
    expect(fs.readFileSync(fake.saveTo).subarray(0, 4).toString()).toBe('RIFF');
    expect(fake.saveDialogs).toHaveLength(2);
    // A bad request is refused by the engine's validation before any dialog opens.
    expect(await invoke('exportClip', { ...clip, format: 'mp3' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(fake.saveDialogs).toHaveLength(2);
    // The comparison bundle takes the same path: the engine zips, main asks where and writes.
    const match = { cosine: 0.5, probability: 0.9, verdict: 'likely', reason: null };
    const audio = { sampleRate: 16000, channels: [t] };
    const bundle = {
      source: audio,
      result: { audio, timings: { total: 1 }, similarity: { toTarget: match, toSource: match }, variant: 'continuous', anomaly: { verdict: 'ok', reasons: [] }, rtf: 0.1 },
      settings: { voice: 'V', mix: [{ voiceId: voices[0].id, weight: 1 }], pitchSemitones: 0 },
      name: 'take-bundle',
    };
    fake.saveTo = path.join(fake.userData, 'take-bundle.zip');
    expect(await invoke('exportBundle', bundle)).toMatchObject({ ok: true, result: { fileName: 'take-bundle.zip', path: fake.saveTo } });
    expect(fs.readFileSync(fake.saveTo).subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    expect(fake.saveDialogs).toHaveLength(3);
  });
});
