// A 2-D map of the speaker embeddings (VoiceInfo.map): every voice as a dot, the current target
// highlighted and the blend's position as a diamond, so blends can be designed by eye. Names are
// placed so that they do not overlap (lib/map-labels.ts).
import { useState } from 'react';
import type { MixEntry, VoiceInfo } from '../../src/api/types';
import { blendPosition } from '../lib/blend';
import { placeLabels } from '../lib/map-labels';

interface Props {
  voices: VoiceInfo[];
  mix: MixEntry[];
  onUse: (id: string) => void;
}

const SIZE = 300;
const PAD = 16;

export function VoiceMap({ voices, mix, onUse }: Props) {
  const [hover, setHover] = useState<string | null>(null);
  if (voices.length === 0) return null;
  const xs = voices.map((v) => v.map[0]);
  const ys = voices.map((v) => v.map[1]);
  const span = Math.max(1, ...xs.map(Math.abs), ...ys.map(Math.abs));
  const px = (x: number) => PAD + ((x / span + 1) / 2) * (SIZE - 2 * PAD);
  const py = (y: number) => SIZE - (PAD + ((y / span + 1) / 2) * (SIZE - 2 * PAD));
  const inMix = new Set(mix.map((m) => m.voiceId));
  const blend = mix.length > 1 ? blendPosition(mix, voices) : null;
  // Labels: the chosen voices first (they win the best spot), then enrolled ones, then the hovered one.
  const labelled = voices
    .filter((v) => inMix.has(v.id) || v.kind === 'enrolled' || hover === v.id || voices.length <= 8)
    .sort((a, b) => Number(inMix.has(b.id)) - Number(inMix.has(a.id)) || Number(b.kind === 'enrolled') - Number(a.kind === 'enrolled'));
  const labels = new Map(placeLabels(labelled.map((v) => ({ id: v.id, x: px(v.map[0]), y: py(v.map[1]), text: v.name })), SIZE).map((l) => [l.id, l]));
  return (
    <figure className="voice-map">
      <svg viewBox={`0 0 ${SIZE} ${SIZE}`} role="group" aria-label="Voice map: voices placed by how they sound">
        <line className="axis" x1={PAD} x2={SIZE - PAD} y1={SIZE / 2} y2={SIZE / 2} />
        <line className="axis" y1={PAD} y2={SIZE - PAD} x1={SIZE / 2} x2={SIZE / 2} />
        {blend &&
          mix.map((m) => {
            const v = voices.find((x) => x.id === m.voiceId);
            return v ? <line key={m.voiceId} className="blend-link" x1={px(v.map[0])} y1={py(v.map[1])} x2={px(blend[0])} y2={py(blend[1])} /> : null;
          })}
        {voices.map((v) => (
          <g
            key={v.id}
            role="button"
            tabIndex={0}
            aria-label={`${v.name} on the map`}
            className={`map-voice ${v.kind}${inMix.has(v.id) ? ' selected' : ''}`}
            onClick={() => onUse(v.id)}
            onMouseEnter={() => setHover(v.id)}
            onMouseLeave={() => setHover(null)}
            onFocus={() => setHover(v.id)}
            onBlur={() => setHover(null)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                onUse(v.id);
              }
            }}
          >
            <title>{`${v.name} (${v.kind === 'builtin' ? 'built-in' : 'yours'})`}</title>
            <circle cx={px(v.map[0])} cy={py(v.map[1])} r={inMix.has(v.id) ? 7 : 5} />
            {labels.has(v.id) && (
              <text className="map-label" x={labels.get(v.id)!.x} y={labels.get(v.id)!.y} textAnchor={labels.get(v.id)!.anchor}>
                {v.name}
              </text>
            )}
          </g>
        ))}
        {blend && (
          <g className="map-blend" aria-label="Blend position" role="img">
            <rect x={px(blend[0]) - 6} y={py(blend[1]) - 6} width={12} height={12} transform={`rotate(45 ${px(blend[0])} ${py(blend[1])})`} />
            <text x={px(blend[0]) + 10} y={py(blend[1]) - 8}>
              Blend
            </text>
          </g>
        )}
      </svg>
      <figcaption className="muted small">
        Voice map: nearby dots sound alike (hover a dot for its name; click to use it). <span className="key-builtin">●</span> built-in{' '}
        <span className="key-enrolled">●</span> yours <span className="key-blend">◆</span> blend
      </figcaption>
    </figure>
  );
}
