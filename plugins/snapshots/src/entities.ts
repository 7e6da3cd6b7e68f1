/**
 * Entity names as clients write them in URLs and actions → the entity the plugin serves.
 * `/ws/user/…`, `/ws/Users/…` and `/ws/users/…` are the same entity; the table is every
 * configured entity, its singular, and the configured aliases.
 */

/** `restaurants` → `restaurant`, `dishes` → `dish`, `subscription-plans` → `subscription-plan`. */
export function singular(entity: string): string {
  if (/(ch|sh|s|x|z)es$/.test(entity)) return entity.slice(0, -2);
  if (/[^aeiou]ies$/.test(entity)) return `${entity.slice(0, -3)}y`;
  if (entity.endsWith('s') && !entity.endsWith('ss')) return entity.slice(0, -1);
  return entity;
}

export class EntityTable {
  private readonly byName = new Map<string, string>();
  readonly entities: ReadonlySet<string>;

  constructor(entities: readonly string[], aliases: Readonly<Record<string, string>>) {
    this.entities = new Set(entities);
    for (const e of entities) {
      this.byName.set(e, e);
      const one = singular(e);
      if (!this.byName.has(one)) this.byName.set(one, e);
    }
    for (const [alias, target] of Object.entries(aliases)) {
      if (!this.entities.has(target)) throw new Error(`entity alias "${alias}" names "${target}", which is not a served entity (${[...this.entities].join(', ')})`);
      this.byName.set(alias.toLowerCase(), target);
    }
  }

  /** The served entity `name` stands for, or undefined. */
  normalize(name: string): string | undefined {
    return this.byName.get(name.trim().toLowerCase());
  }

  /** Every name that stands for `entity` (for `list_<name>` / `get_<name>` actions). */
  namesOf(entity: string): string[] {
    const out: string[] = [];
    for (const [name, target] of this.byName) if (target === entity) out.push(name);
    return out;
  }
}
