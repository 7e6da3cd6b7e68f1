/**
 * @acme/actorwire-plugin-dice — an example of a plugin published by a third party.
 *
 * - `{"type":"roll","times":2,"id":"r1"}` answers `{"type":"rolled","data":[3,5],"id":"r1"}`;
 *   with `"share":true` the roll is also published to the `dice` topic, which every session
 *   on the plugin's `/ws/dice` route joins.
 * - `GET /dice/stats` answers how many rolls this instance served.
 */
import { definePlugin, packageInfo, protocolError, type InboundMessage, type PluginContext } from '@actorwire/core';

export interface DiceOptions {
  /** Faces of each die. */
  sides: number;
  /** Most dice one `roll` may ask for. */
  maxTimes: number;
}

const { name, version } = packageInfo(import.meta.url);

/** The service this plugin provides, for other plugins (a game plugin could roll through it). */
export interface DiceRoller {
  roll(times: number): number[];
  /** Dice rolled on this instance. */
  readonly rolls: number;
}

// Declaration merging: `ctx.services.get('diceRoller')` is typed wherever this package is imported.
declare module '@actorwire/core' {
  interface ActorwireServices {
    diceRoller: DiceRoller;
  }
}

interface RollMessage extends InboundMessage {
  type: 'roll';
  times?: number;
  share?: boolean;
}

function register(ctx: PluginContext, options: DiceOptions): void {
  let rolls = 0;
  const roller: DiceRoller = {
    roll(times) {
      rolls += times;
      return Array.from({ length: times }, () => 1 + Math.floor(Math.random() * options.sides));
    },
    get rolls() {
      return rolls;
    },
  };
  ctx.services.provide('diceRoller', roller);

  ctx.routes.ws('/ws/dice', { autoTopics: ['dice'] });
  ctx.topics.define('dice', { authorize: () => true });

  ctx.messages.define<RollMessage>('roll', {
    schema: {
      type: 'object',
      properties: {
        times: { type: 'integer', minimum: 1 },
        share: { type: 'boolean' },
      },
    },
    async handle({ message, session, reply }) {
      const times = message.times ?? 1;
      // Options bound what a client may ask; the error code reaches the client as it is.
      if (times > options.maxTimes) throw protocolError('INVALID_MESSAGE', `at most ${options.maxTimes} dice per roll`);
      const data = roller.roll(times);
      reply({ type: 'rolled', data });
      // Through ctx.topics, not ctx.bus: the topic's authorization and onPublish hooks apply.
      if (message.share) await ctx.topics.publish(session, 'dice', { type: 'rolled', room: 'dice', data, client_id: session.id });
    },
  });

  ctx.routes.http('get', '/dice/stats', () => ({ rolls, sides: options.sides }));
}

export default definePlugin<DiceOptions>({
  // The plugin's name is what other plugins depend on and what config sections are keyed by.
  name: 'dice',
  version,
  kernel: '^0.2.0',
  // Declared, so no other plugin can provide `diceRoller` too (and ours cannot override theirs).
  provides: ['diceRoller'],
  options: {
    type: 'object',
    additionalProperties: false,
    properties: {
      sides: { type: 'integer', minimum: 2, maximum: 1000, default: 6 },
      maxTimes: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
    },
  },
  // Options from the environment, for the `actorwire` server (ACTORWIRE_PLUGINS=…,@acme/actorwire-plugin-dice).
  optionsFromEnv: (env) => ({
    sides: env.DICE_SIDES === undefined ? undefined : Number(env.DICE_SIDES),
  }),
  register,
});

/** The npm package this plugin ships in (for logs and diagnostics). */
export const packageName = name;
