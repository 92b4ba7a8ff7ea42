// Lists the microphones for the device picker and follows plugging/unplugging. Labels appear only
// after the user has granted microphone access once, so the list refreshes after each recording.
import { useCallback, useEffect, useState } from 'react';

export interface AudioInputDevice {
  deviceId: string;
  label: string;
}

export function useAudioDevices(): { devices: AudioInputDevice[]; refresh: () => void } {
  const [devices, setDevices] = useState<AudioInputDevice[]>([]);
  const refresh = useCallback(() => {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    navigator.mediaDevices.enumerateDevices().then(
      (all) =>
        setDevices(
          all
            .filter((d) => d.kind === 'audioinput')
            .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Microphone ${i + 1}` })),
        ),
      () => setDevices([]),
    );
  }, []);
  useEffect(() => {
    refresh();
    const md = navigator.mediaDevices;
    md?.addEventListener?.('devicechange', refresh);
    return () => md?.removeEventListener?.('devicechange', refresh);
  }, [refresh]);
  return { devices, refresh };
}
