// One wavesurfer.js view over AudioData: the audio becomes a WAV blob the view loads, optional
// flagged regions (Regions plugin) and an optional spectrogram (Spectrogram plugin) below it. The
// instance and the blob URL are destroyed when the audio or the spectrogram choice changes and on
// unmount. Regions are redrawn in place: the source's analysis arrives after the clip is shown, and
// rebuilding the view then would stop a playback the user already started.
import { useEffect, useMemo, useRef, useState } from 'react';
import WaveSurfer from 'wavesurfer.js';
import RegionsPlugin from 'wavesurfer.js/dist/plugins/regions.esm.js';
import SpectrogramPlugin from 'wavesurfer.js/dist/plugins/spectrogram.esm.js';
import type { AudioData, FlaggedRegion } from '../../src/api/types';
import { encodeWav } from '../lib/wav';

export interface WaveViewOptions {
  audio: AudioData | null;
  height?: number;
  waveColor: string;
  progressColor: string;
  spectrogram?: boolean;
  regions?: readonly FlaggedRegion[];
  regionColor?: string;
}

export interface WaveView {
  containerRef: React.RefObject<HTMLDivElement | null>;
  spectrogramRef: React.RefObject<HTMLDivElement | null>;
  ws: WaveSurfer | null;
  /** The audio the current instance shows (identity), so callers can tell a stale instance. */
  loaded: AudioData | null;
  ready: boolean;
}

export function useWaveSurfer(options: WaveViewOptions): WaveView {
  const containerRef = useRef<HTMLDivElement | null>(null);
  const spectrogramRef = useRef<HTMLDivElement | null>(null);
  const [current, setCurrent] = useState<{ ws: WaveSurfer; audio: AudioData } | null>(null);
  const [ready, setReady] = useState(false);
  const regionsRef = useRef<ReturnType<typeof RegionsPlugin.create> | null>(null);
  const { audio, height = 96, waveColor, progressColor, spectrogram = false, regions, regionColor } = options;
  const blob = useMemo(() => (audio ? new Blob([encodeWav(audio, 'pcm16') as BlobPart], { type: 'audio/wav' }) : null), [audio]);

  useEffect(() => {
    const container = containerRef.current;
    if (!container || !blob || !audio) return;
    const regionsPlugin = RegionsPlugin.create();
    const plugins = [regionsPlugin] as NonNullable<Parameters<typeof WaveSurfer.create>[0]['plugins']>;
    if (spectrogram && spectrogramRef.current) {
      plugins.push(
        SpectrogramPlugin.create({
          container: spectrogramRef.current,
          height: 128,
          labels: true,
          frequencyMax: 8000,
          scale: 'mel',
          useWebWorker: false,
        }),
      );
    }
    const instance = WaveSurfer.create({
      container,
      height,
      waveColor,
      progressColor,
      cursorColor: progressColor,
      cursorWidth: 2,
      normalize: true,
      sampleRate: 16000,
      dragToSeek: true,
      autoCenter: false,
      plugins,
    });
    let live = true;
    instance.on('ready', () => live && setReady(true));
    void instance.loadBlob(blob).catch(() => {});
    regionsRef.current = regionsPlugin;
    setCurrent({ ws: instance, audio });
    return () => {
      live = false;
      regionsRef.current = null;
      setReady(false);
      setCurrent(null);
      instance.destroy();
    };
    // Colours are applied at creation and recoloured below; regions are drawn below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [blob, spectrogram, height]);

  // Flagged regions, once the audio is decoded (they need its duration), and again when they change.
  useEffect(() => {
    const plugin = regionsRef.current;
    if (!plugin || !ready) return;
    plugin.clearRegions();
    for (const r of regions ?? []) {
      const label = document.createElement('span');
      label.textContent = '⚠';
      label.title = r.reason;
      label.setAttribute('aria-label', `Flagged ${r.start.toFixed(1)}–${r.end.toFixed(1)} s: ${r.reason}`);
      label.style.cssText = 'font-size:11px;padding:1px 3px;';
      plugin.addRegion({ start: r.start, end: r.end, color: regionColor, drag: false, resize: false, content: label });
    }
  }, [current, ready, regions, regionColor]);

  // Recolour in place when the theme changes.
  useEffect(() => {
    current?.ws.setOptions({ waveColor, progressColor, cursorColor: progressColor });
  }, [current, waveColor, progressColor]);

  return { containerRef, spectrogramRef, ws: current?.ws ?? null, loaded: current?.audio ?? null, ready };
}
