/** Picks an IANA time zone from the ones the browser knows, labelled with the current offset. */
import { useId, useMemo } from 'react';
import { listTimeZones, offsetLabel } from '../lib/time';

export function TimeZoneSelect({
  value,
  onChange,
  label = 'Time zone',
  inline,
  id,
  describedBy,
}: {
  value: string;
  onChange(zone: string): void;
  label?: string;
  inline?: boolean;
  id?: string;
  describedBy?: string;
}) {
  const generated = useId();
  const selectId = id ?? generated;
  const options = useMemo(() => {
    const now = new Date();
    const zones = listTimeZones();
    if (!zones.includes(value)) zones.unshift(value);
    return zones.map((zone) => ({ zone, label: `${zone.replaceAll('_', ' ')} (${offsetLabel(zone, now)})` }));
  }, [value]);
  return (
    <div className={inline ? 'row' : 'field'} style={inline ? { flexWrap: 'nowrap' } : undefined}>
      <label htmlFor={selectId} className={inline ? 'small muted nowrap' : undefined}>
        {label}
      </label>
      <select
        id={selectId}
        className="select"
        value={value}
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.value)}
      >
        {options.map((o) => (
          <option key={o.zone} value={o.zone}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
