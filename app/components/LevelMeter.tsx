// The live input level bar while recording (value from useLevelMeter), exposed as an ARIA meter.
export function LevelMeter({ level }: { level: number }) {
  const pct = Math.round(level * 100);
  const hot = level > 0.95;
  return (
    <div className="meter" role="meter" aria-label="Input level" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
      <div className={`meter-fill${hot ? ' hot' : ''}`} style={{ width: `${pct}%` }} />
    </div>
  );
}
