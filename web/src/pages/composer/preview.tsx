/** How the post will look on each selected channel, with that channel's override applied. */
import { useState } from 'react';
import type { Channel, Media } from '../../api/types';
import { ChannelAvatar, channelHandle, platformName } from '../../components/channel';
import { Tabs } from '../../components/tabs';
import { EmptyState } from '../../components/ui';
import { PlatformCounter } from './counter';

export type ChannelVersion = { channel: Channel; text: string; media: Media[]; maxTextLength: number | null };

export function Preview({ versions, when }: { versions: ChannelVersion[]; when: string }) {
  const [selected, setSelected] = useState<string | null>(null);
  if (versions.length === 0) {
    return <EmptyState title="No channel selected">Pick at least one channel to see a preview.</EmptyState>;
  }
  const current = versions.find((v) => v.channel.id === selected) ?? versions[0]!;
  return (
    <Tabs
      label="Preview for channel"
      items={versions.map((v) => ({ id: v.channel.id, label: v.channel.name }))}
      selected={current.channel.id}
      onSelect={setSelected}
    >
      <article className="preview" aria-label={`Preview on ${current.channel.name}`}>
        <div className="row">
          <ChannelAvatar channel={current.channel} />
          <div className="grow">
            <div style={{ fontWeight: 650 }}>{current.channel.name}</div>
            <div className="small muted">
              {channelHandle(current.channel)} · {platformName(current.channel.platform)} · {when}
            </div>
          </div>
        </div>
        <p className="preview-text">
          {current.text || <span className="muted">Your post's text appears here.</span>}
        </p>
        {current.media.length > 0 ? (
          <div className="preview-media">
            {current.media
              .slice(0, 4)
              .map((m) =>
                m.kind === 'video' ? (
                  <video key={m.id} src={m.url} muted />
                ) : (
                  <img key={m.id} src={m.url} alt={m.altText ?? ''} />
                ),
              )}
          </div>
        ) : null}
        <div className="row" style={{ marginTop: 10 }}>
          <PlatformCounter
            platform={current.channel.platform}
            text={current.text}
            maxTextLength={current.maxTextLength}
          />
          {current.media.some((m) => !m.altText) ? (
            <span className="small muted">Some images have no alt text.</span>
          ) : null}
        </div>
      </article>
    </Tabs>
  );
}
