// The Electron shell: app lifecycle, one hardened window, the menu, and the IPC transport that
// registers every VoiceApi call behind a sender check. The engine does not run here: it runs in a
// utilityProcess (engine-launcher.ts) behind the shared RPC, so a long conversion never blocks this
// process's IPC, menus or dialogs. Job events the engine pushes are forwarded to the window on one
// channel; exports come back as bytes and are saved here, behind the save dialog.
import { app, BrowserWindow, dialog, ipcMain, Menu, MessageChannelMain, net, protocol, session, shell, utilityProcess, type UtilityProcess } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiError, toErrorInfo } from '../src/api/errors.js';
import type { Envelope, HandlerTable } from '../src/api/handlers.js';
import { CALL_NAMES, EXPORT_FORMATS, type ExportResult } from '../src/api/types.js';
import { writeFileAtomic } from '../src/audio/write-atomic.js';
import { EngineSupervisor } from '../src/engine-process/supervisor.js';
import { appPaths } from '../src/paths.js';
import type { ExportSink } from '../src/service.js';
import { utilityEngineLauncher } from './engine-launcher.js';
import {
  APP_ORIGIN,
  APP_SCHEME,
  CONTENT_SECURITY_POLICY,
  isPermissionAllowed,
  isTrustedSender,
  lockDownContents,
  secureWebPreferences,
} from './security.js';

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

// Resources sit next to the bundle in development and in app.asar.unpacked when packaged.
const root = app.isPackaged ? path.join(process.resourcesPath, 'app.asar.unpacked') : app.getAppPath();
// The renderer stays inside the asar archive; models, assets and package.json are unpacked beside it.
const paths = { ...appPaths(root), renderer: path.join(app.getAppPath(), 'dist') };
let mainWindow: BrowserWindow | null = null;

const saveWithDialog: ExportSink = async ({ fileName, bytes }) => {
  const extension = path.extname(fileName).slice(1);
  // The export format's name from the one table (EXPORT_FORMATS); a bundle is a zip.
  const format = Object.values(EXPORT_FORMATS).find((f) => f.extension === extension);
  const result = await dialog.showSaveDialog(mainWindow ?? undefined!, {
    title: format ? 'Export converted clip' : 'Save comparison bundle',
    defaultPath: path.join(app.getPath('music'), fileName),
    filters: [{ name: format ? `${format.label} audio` : 'Zip archive', extensions: [extension] }],
  });
  if (result.canceled || !result.filePath) return { fileName, cancelled: true };
  try {
    await writeFileAtomic(result.filePath, bytes);
  } catch (err) {
    // A typed, readable failure (read-only folder, full disk), not the generic INTERNAL error.
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ApiError('IO_ERROR', `Could not write ${result.filePath} (${code}). Pick another folder or free some space.`);
  }
  return { fileName: path.basename(result.filePath), path: result.filePath };
};

/** The channel job events reach the renderer on (the preload's voiceEvents.subscribe). */
export const EVENT_CHANNEL = 'voice:event';

let engine: EngineSupervisor | null = null;

/** The engine in its utilityProcess; started once the app is ready (utilityProcess needs that). */
function startEngine(): EngineSupervisor {
  const launcher = utilityEngineLauncher(path.join(__dirname, 'engine.cjs'), { root, userDataDir: app.getPath('userData') });
  const supervisor = new EngineSupervisor(launcher, {
    onRestart: (how) => console.error(`VoiceShift: the engine process stopped (${how}); starting a new one.`),
  });
  // Pushed, not polled: every engine event goes to the window, which filters by job id.
  supervisor.subscribe((event) => {
    const contents = mainWindow?.webContents;
    if (contents && !contents.isDestroyed()) contents.send(EVENT_CHANNEL, event);
  });
  return supervisor;
}

/** exportClip or exportBundle through the engine (it encodes), then the save dialog and the write here. */
async function exportWithDialog(handlers: HandlerTable, name: 'exportClip' | 'exportBundle', args: unknown): Promise<Envelope<ExportResult>> {
  const encoded = await handlers[name](args, { transport: 'electron' });
  if (!encoded.ok || !encoded.result.bytes) return encoded;
  try {
    return { ok: true, result: await saveWithDialog({ fileName: encoded.result.fileName, bytes: encoded.result.bytes }) };
  } catch (err) {
    return { ok: false, error: toErrorInfo(err) };
  }
}

function registerIpc(handlers: HandlerTable): void {
  for (const name of CALL_NAMES) {
    ipcMain.handle(`voice:${name}`, (event, args: unknown) => {
      if (!isTrustedSender(event, mainWindow?.webContents ?? null)) {
        return { ok: false, error: { code: 'INVALID_ARGUMENT', message: 'Call refused: unknown sender.' } };
      }
      if (name === 'exportClip' || name === 'exportBundle') return exportWithDialog(handlers, name, args);
      return handlers[name](args, { transport: 'electron' });
    });
  }
}

/** The live channel: the renderer asks on LIVE_OPEN_CHANNEL and gets a MessagePort on LIVE_PORT_CHANNEL. */
export const LIVE_OPEN_CHANNEL = 'voice:liveOpen';
export const LIVE_PORT_CHANNEL = 'voice:livePort';

let liveProcess: UtilityProcess | null = null;

/**
 * The live engine process (the engine host in mode 'live'), started on the first Go live. It keeps the
 * normal priority: live audio has deadlines, conversions do not.
 */
function liveEngine(): UtilityProcess {
  if (liveProcess) return liveProcess;
  const config = { root, userDataDir: app.getPath('userData'), mode: 'live' as const };
  const child = utilityProcess.fork(path.join(__dirname, 'engine.cjs'), [JSON.stringify(config)], { serviceName: 'VoiceShift live engine', stdio: 'inherit' });
  child.on('exit', () => {
    if (liveProcess === child) liveProcess = null;
  });
  liveProcess = child;
  return child;
}

/**
 * Live audio does not pass through this process: after the sender check, one end of a new
 * MessageChannelMain goes to the live engine process and the other to the preload, which talk directly.
 */
function registerLive(): void {
  ipcMain.handle(LIVE_OPEN_CHANNEL, (event) => {
    if (!isTrustedSender(event, mainWindow?.webContents ?? null)) {
      return { ok: false, error: { code: 'INVALID_ARGUMENT', message: 'Call refused: unknown sender.' } };
    }
    const { port1, port2 } = new MessageChannelMain();
    liveEngine().postMessage({ type: 'live-port' }, [port1]);
    event.sender.postMessage(LIVE_PORT_CHANNEL, null, [port2]);
    return { ok: true, result: null };
  });
}

function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(paths.renderer, rel);
    if (!file.startsWith(path.resolve(paths.renderer) + path.sep)) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}

function createWindow(): void {
  mainWindow = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 640,
    title: 'VoiceShift',
    show: false,
    webPreferences: secureWebPreferences(path.join(__dirname, 'preload.cjs'), !app.isPackaged),
  });
  lockDownContents(mainWindow.webContents, (url) => void shell.openExternal(url));
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
  void mainWindow.loadURL(`${APP_ORIGIN}/index.html`);
}

function buildMenu(): void {
  const template: Electron.MenuItemConstructorOptions[] = [
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { label: 'View', submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
    { role: 'windowMenu' },
  ];
  if (!app.isPackaged) (template[2].submenu as Electron.MenuItemConstructorOptions[]).push({ role: 'toggleDevTools' });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

app.on('web-contents-created', (_event, contents) => lockDownContents(contents, (url) => void shell.openExternal(url)));

app.whenReady().then(() => {
  // Deny every permission except the microphone for our own origin.
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isPermissionAllowed(permission, details.requestingUrl)),
  );
  // Synchronous permission checks follow the same rule instead of Electron's permissive default.
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionAllowed(permission, requestingOrigin),
  );
  serveRenderer();
  engine = startEngine();
  registerIpc(engine.handlers);
  registerLive();
  buildMenu();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => {
  liveProcess?.kill();
  void engine?.dispose();
});
