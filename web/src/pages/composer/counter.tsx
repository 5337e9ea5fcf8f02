/** A live counter for one platform, counting the way that platform counts. */
import { useDeferredValue } from 'react';
import { platformName } from '../../components/channel';
import { countText, type TextCount } from '../../lib/counters';

const unitLabel: Record<TextCount['rule'], string> = {
  graphemes: 'characters',
  characters: 'characters',
  weighted: 'weighted characters',
};

export function counterState(count: TextCount): 'ok' | 'near' | 'over' {
  if (count.over) return 'over';
  if (count.max !== null && count.remaining !== null && count.remaining <= Math.max(10, count.max * 0.05))
    return 'near';
  return 'ok';
}

export function PlatformCounter({
  platform,
  text,
  maxTextLength,
  label,
}: {
  platform: string;
  text: string;
  maxTextLength?: number | null | undefined;
  label?: string;
}) {
  const deferred = useDeferredValue(text);
  const count = countText(platform, deferred, maxTextLength);
  const name = label ?? platformName(platform);
  const state = counterState(count);
  const spoken =
    count.max === null
      ? `${name}: ${count.used} ${unitLabel[count.rule]}`
      : count.over
        ? `${name}: ${-(count.remaining ?? 0)} over the limit of ${count.max} ${unitLabel[count.rule]}`
        : `${name}: ${count.used} of ${count.max} ${unitLabel[count.rule]}`;
  return (
    <span className="counter" data-state={state} title={spoken} data-testid={`counter-${platform}`}>
      <span aria-hidden="true">
        {name} {count.used}
        {count.max !== null ? `/${count.max}` : ''}
      </span>
      <span className="sr-only">{spoken}</span>
    </span>
  );
}
