// Step 2: choosing the target: the voice list, the blend editor, the voice map, enrollment, and a
// one-shot reference recording that is not saved.
import type { AudioData, MixEntry, VoiceApi, VoiceInfo } from '../../src/api/types';
import { BlendEditor } from './BlendEditor';
import { EnrollForm } from './EnrollForm';
import { ErrorNote } from './ErrorNote';
import { ReferenceTarget, type ReferenceClip } from './ReferenceTarget';
import { safeStem } from '../lib/names';
import { VoiceList } from './VoiceList';
import { VoiceMap } from './VoiceMap';

interface Props {
  api: VoiceApi;
  voices: VoiceInfo[];
  loadError: unknown;
  mix: MixEntry[];
  onMix: (mix: MixEntry[]) => void;
  source: { name: string; audio: AudioData } | null;
  reload: () => Promise<VoiceInfo[]>;
  /** The one-shot reference recording in use instead of the blend, if any. */
  reference: ReferenceClip | null;
  onReference: (reference: ReferenceClip | null) => void;
}

export function VoicesPanel({ api, voices, loadError, mix, onMix, source, reload, reference, onReference }: Props) {
  // While a one-shot reference is the target, no library voice shows as chosen.
  const shown = reference ? [] : mix;
  const use = (id: string) => onMix([{ voiceId: id, weight: 1 }]);
  const add = (id: string) => {
    if (reference) return use(id);
    if (mix.some((m) => m.voiceId === id)) return;
    const equal = mix.length === 0 ? 1 : 1 / (mix.length + 1);
    onMix([...mix.map((m) => ({ ...m, weight: m.weight })), { voiceId: id, weight: mix.length === 0 ? 1 : Math.max(equal, 0.5) }]);
  };
  return (
    <section className="panel" aria-labelledby="voices-title">
      <h2 id="voices-title">
        <span className="step">2</span> Target voice
      </h2>
      {loadError ? (
        <div>
          <ErrorNote error={loadError} />
          <button type="button" className="secondary" onClick={() => void reload().catch(() => {})}>
            Try again
          </button>
        </div>
      ) : null}
      <div className="voices-grid">
        <VoiceList
          api={api}
          voices={voices}
          mix={shown}
          onUse={use}
          onAddToBlend={add}
          onChanged={() => void reload().catch(() => {})}
          onDeleted={(id) => {
            onMix(mix.filter((m) => m.voiceId !== id));
            void reload().catch(() => {});
          }}
        />
        <div>
          {reference ? (
            <p>
              Target: <strong data-testid="target-label">{safeStem(reference.name, 'reference')} (one-shot)</strong>
            </p>
          ) : (
            <BlendEditor voices={voices} mix={mix} onChange={onMix} />
          )}
          <VoiceMap voices={voices} mix={shown} onUse={use} />
        </div>
      </div>
      <EnrollForm
        api={api}
        source={source}
        onEnrolled={(v) => {
          void reload().catch(() => {});
          use(v.id);
        }}
      />
      <ReferenceTarget reference={reference} onReference={onReference} source={source} />
    </section>
  );
}
