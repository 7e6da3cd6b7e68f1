/**
 * Kernel topics ↔ Redis channels, as the Go services named them (realtime service and gateway):
 *   room R          → {prefix}room:R
 *   user topic of U → {prefix}user:U
 *   $broadcast      → {prefix}broadcast
 */
export class Channels {
  readonly broadcastChannel: string;
  readonly roomPrefix: string;
  readonly userPrefix: string;

  constructor(
    readonly prefix: string,
    private readonly broadcastTopic: string,
    /** The kernel's user topic prefix (`user:` unless configured otherwise). */
    private readonly userTopicPrefix: string,
  ) {
    this.broadcastChannel = `${prefix}broadcast`;
    this.roomPrefix = `${prefix}room:`;
    this.userPrefix = `${prefix}user:`;
  }

  channelOf(topic: string): string {
    if (topic === this.broadcastTopic) return this.broadcastChannel;
    if (topic.startsWith(this.userTopicPrefix)) return this.userPrefix + topic.slice(this.userTopicPrefix.length);
    return this.roomPrefix + topic;
  }

  /** undefined for a channel that is not ours (another prefix). */
  topicOf(channel: string): string | undefined {
    if (channel === this.broadcastChannel) return this.broadcastTopic;
    if (channel.startsWith(this.roomPrefix)) return channel.slice(this.roomPrefix.length);
    if (channel.startsWith(this.userPrefix)) return this.userTopicPrefix + channel.slice(this.userPrefix.length);
    return undefined;
  }

  /** PSUBSCRIBE patterns for `mode: 'pattern'` (the realtime service's `ws:room:*`). */
  patterns(): string[] {
    return [`${this.roomPrefix}*`, `${this.userPrefix}*`, this.broadcastChannel];
  }
}
