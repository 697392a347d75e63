/**
 * The IR's element-type language. TypeScript's generics check plans written in an editor; this small
 * structural language lets the verifier check plans built dynamically (from JSON, by passes, by code
 * generators) where no TypeScript compiler runs.
 *
 * Grammar: `unknown` | `void` | Name | Type `[]` | `[` Type, … `]` | Type `|` Type.
 * `unknown` is gradual: it fits anything and anything fits it, so a stage that does not declare its
 * types never blocks a plan.
 */

export type TypeExpr =
  | { readonly t: 'unknown' }
  | { readonly t: 'name'; readonly name: string }
  | { readonly t: 'array'; readonly of: TypeExpr }
  | { readonly t: 'tuple'; readonly items: readonly TypeExpr[] }
  | { readonly t: 'union'; readonly members: readonly TypeExpr[] };

const UNKNOWN: TypeExpr = { t: 'unknown' };

/** Parses a type string; throws a SyntaxError naming the position on malformed input. */
export function parseType(text: string): TypeExpr {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`bad element type '${text}' at ${i}: ${what}`);
  };
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const union = (): TypeExpr => {
    const members = [postfix()];
    ws();
    while (text[i] === '|') {
      i++;
      members.push(postfix());
      ws();
    }
    return members.length === 1 ? members[0]! : { t: 'union', members };
  };
  const postfix = (): TypeExpr => {
    let base = primary();
    ws();
    while (text.startsWith('[]', i)) {
      i += 2;
      base = { t: 'array', of: base };
      ws();
    }
    return base;
  };
  const primary = (): TypeExpr => {
    ws();
    if (text[i] === '(') {
      i++;
      const inner = union();
      ws();
      if (text[i] !== ')') fail("expected ')'");
      i++;
      return inner;
    }
    if (text[i] === '[') {
      i++;
      const items: TypeExpr[] = [];
      ws();
      if (text[i] !== ']') {
        items.push(union());
        ws();
        while (text[i] === ',') {
          i++;
          items.push(union());
          ws();
        }
      }
      if (text[i] !== ']') fail("expected ']'");
      i++;
      return { t: 'tuple', items };
    }
    const m = /^[A-Za-z_$][\w$.<>]*/.exec(text.slice(i));
    if (!m) return fail('expected a type name');
    i += m[0].length;
    return m[0] === 'unknown' || m[0] === 'any' ? UNKNOWN : { t: 'name', name: m[0] };
  };
  const result = union();
  ws();
  if (i !== text.length) fail('unexpected trailing text');
  return result;
}

/** Canonical text of a type (stable, used in dumps and for equality). */
export function formatType(type: TypeExpr): string {
  switch (type.t) {
    case 'unknown':
      return 'unknown';
    case 'name':
      return type.name;
    case 'array': {
      const inner = formatType(type.of);
      return type.of.t === 'union' ? `(${inner})[]` : `${inner}[]`;
    }
    case 'tuple':
      return `[${type.items.map(formatType).join(', ')}]`;
    case 'union':
      return type.members.map(formatType).join(' | ');
  }
}

/** Normalizes a type string (`number []` → `number[]`). */
export function normalizeType(text: string): string {
  return formatType(parseType(text));
}

/** Whether a value of type `from` may flow into a port expecting `to`. */
export function isAssignable(from: TypeExpr, to: TypeExpr): boolean {
  if (from.t === 'unknown' || to.t === 'unknown') return true;
  if (from.t === 'union') return from.members.every((m) => isAssignable(m, to));
  if (to.t === 'union') return to.members.some((m) => isAssignable(from, m));
  if (from.t === 'name' && to.t === 'name') return from.name === to.name;
  if (from.t === 'array' && to.t === 'array') return isAssignable(from.of, to.of);
  if (from.t === 'tuple' && to.t === 'tuple') {
    return from.items.length === to.items.length && from.items.every((x, k) => isAssignable(x, to.items[k]!));
  }
  // A tuple is also an array of the union of its items.
  if (from.t === 'tuple' && to.t === 'array') return from.items.every((x) => isAssignable(x, to.of));
  return false;
}

/** Type-string convenience wrapper around `isAssignable`. */
export function typeFits(from: string, to: string): boolean {
  return isAssignable(parseType(from), parseType(to));
}

/** `T[]` for `T`. */
export function arrayOf(type: string): string {
  return formatType({ t: 'array', of: parseType(type) });
}

/** `T` for `T[]` (and the union of items for a tuple); `unknown` when not an array. */
export function elementOf(type: string): string {
  const parsed = parseType(type);
  if (parsed.t === 'array') return formatType(parsed.of);
  if (parsed.t === 'tuple') return unionOf(parsed.items.map(formatType));
  return 'unknown';
}

/** `[A, B]` for `A`, `B`. */
export function tupleOf(...types: string[]): string {
  return formatType({ t: 'tuple', items: types.map(parseType) });
}

/** The union of several types, with duplicates removed; `unknown` if any member is unknown. */
export function unionOf(types: readonly string[]): string {
  const members: TypeExpr[] = [];
  const seen = new Set<string>();
  for (const text of types) {
    const parsed = parseType(text);
    if (parsed.t === 'unknown') return 'unknown';
    for (const m of parsed.t === 'union' ? parsed.members : [parsed]) {
      const key = formatType(m);
      if (!seen.has(key)) {
        seen.add(key);
        members.push(m);
      }
    }
  }
  if (members.length === 0) return 'unknown';
  return formatType(members.length === 1 ? members[0]! : { t: 'union', members });
}
