// About and credits: the model and every built-in voice with where it comes from and its licence.
// The built-in voices are real people's recordings (CC BY 4.0) and a few synthetic ones; their licences
// require the attribution to be shown where users pick them, so the list is built from listVoices().
import type { VoiceInfo } from '../../src/api/types';

/** The corpora behind the built-in voices, cited as their licences ask. */
const CORPORA = [
  'LibriSpeech ASR corpus: V. Panayotov, G. Chen, D. Povey, S. Khudanpur, "LibriSpeech: an ASR corpus based on public domain audio books", ICASSP 2015. CC BY 4.0.',
  'speechocean762: J. Zhang, Z. Zhang, Y. Wang, Z. Yan, Q. Song, Y. Huang, K. Li, D. Povey, Y. Wang, "speechocean762: An Open-Source Non-native English Speech Corpus For Pronunciation Assessment", Interspeech 2021. CC BY 4.0.',
  'Cathy voice dataset: CC0 1.0.',
  'RHVoice English voices (alan, slt): LGPL 2.1 or later.',
];

/** A collapsible "About & credits" section listing the built-in voices' sources and licences. */
export function Credits({ voices }: { voices: VoiceInfo[] }) {
  const builtins = voices.filter((v) => v.kind === 'builtin');
  return (
    <details className="credits" data-testid="credits">
      <summary>About &amp; credits</summary>
      <p>
        VoiceShift converts voices with its own autoencoder, trained on the speech listed below; the similarity meter uses a
        separately trained speaker verifier. See models/MODEL_CARD.md for data, training and measured quality.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Voice</th>
            <th scope="col">Source</th>
            <th scope="col">Licence</th>
          </tr>
        </thead>
        <tbody>
          {builtins.map((v) => (
            <tr key={v.id}>
              <td>
                {v.name} <code>{v.id}</code>
              </td>
              <td>{v.source || '—'}</td>
              <td>{v.licence}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ul>
        {CORPORA.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
    </details>
  );
}
