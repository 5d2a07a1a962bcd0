/**
 * Kafka's `ssl.principal.mapping.rules` (KIP-371; the reference is Kafka's SslPrincipalMapper):
 * how the subject of a TLS client certificate, as RFC 2253 text (`CN=alice,OU=Eng,O=Acme,C=US`),
 * becomes a user name. Grammar of the setting:
 *
 *   rules := rule ("," rule)*          whitespace around a rule is ignored; empty rules too
 *   rule  := "DEFAULT"                 the whole distinguished name
 *          | "RULE:" pattern "/" replacement "/" ["L" | "U"]
 *
 * `pattern` and `replacement` may contain `\`-escaped characters (so `\/` is a slash). A rule
 * applies when its pattern matches the WHOLE name; the name is then every match replaced by
 * `replacement` (`$1`… group references as in Java; a reference past the last group is literal
 * text, as Kafka's mapper does), lower- (`L`) or upper-cased (`U`). The first rule that applies
 * decides; when none applies the certificate has no principal. Patterns are JavaScript regular
 * expressions: Java's syntax for everything the documented rules use (classes, groups, lazy
 * quantifiers, anchors); Java-only constructs such as inline flags are refused at start.
 */
export class PrincipalMappingError extends Error {}

interface MappingRule {
  /** Undefined for DEFAULT. */
  readonly pattern?: RegExp;
  readonly whole?: RegExp;
  readonly replacement?: ReplacementPart[];
  readonly caseChange?: 'L' | 'U';
  readonly text: string;
}

/** A replacement compiled once: literal text or a group reference. */
type ReplacementPart = string | { group: number | string };

// The rule grammar, as Kafka writes it: DEFAULT | RULE:pattern/replacement/[LU] | anything else (refused by parse).
const RULE = String.raw`(DEFAULT)|RULE:((?:\\.|[^\\/])*)/((?:\\.|[^\\/])*)/([LU]?).*?|(.*?)`;
const RULE_SPLITTER = new RegExp(String.raw`\s*(` + RULE + String.raw`)\s*(?:,\s*|$)`, 'g');
const RULE_PARSER = new RegExp('^(?:' + RULE + ')');

export class PrincipalMapper {
  private constructor(private readonly rules: readonly MappingRule[]) {}

  /** Parses the setting; throws PrincipalMappingError naming the bad rule. */
  static fromRules(text: string): PrincipalMapper {
    const rules: MappingRule[] = [];
    for (const match of text.trim().matchAll(RULE_SPLITTER)) {
      const rule = match[1];
      const parsed = RULE_PARSER.exec(rule);
      if (!parsed || parsed[0].length !== rule.length) {
        throw new PrincipalMappingError(
          `invalid principal mapping rule '${rule}' (expected DEFAULT or RULE:pattern/replacement/ with an optional L or U)`,
        );
      }
      if (parsed[1] !== undefined) rules.push({ text: 'DEFAULT' });
      else if (parsed[2] !== undefined) rules.push(compileRule(parsed[2], parsed[3], parsed[4] as '' | 'L' | 'U', rule));
      // an empty rule (",,") is ignored, as Kafka does
    }
    return new PrincipalMapper(rules);
  }

  /** The user name for a distinguished name (RFC 2253 text), or undefined when no rule applies. */
  nameOf(distinguishedName: string): string | undefined {
    for (const rule of this.rules) {
      const name = apply(rule, distinguishedName);
      if (name !== undefined) return name;
    }
    return undefined;
  }

  toString(): string {
    return this.rules.map((rule) => rule.text).join(', ');
  }
}

function compileRule(source: string, replacement: string, caseChange: '' | 'L' | 'U', text: string): MappingRule {
  let pattern: RegExp;
  let whole: RegExp;
  try {
    pattern = new RegExp(source, 'g');
    whole = new RegExp(`^(?:${source})$`);
  } catch (error) {
    throw new PrincipalMappingError(`invalid pattern in principal mapping rule '${text}': ${(error as Error).message}`);
  }
  const groups = new RegExp(`${source}|`).exec('')!.length - 1;
  return {
    pattern,
    whole,
    replacement: compileReplacement(replacement, groups, text),
    caseChange: caseChange === '' ? undefined : caseChange,
    text,
  };
}

/**
 * Java's replacement syntax: `\x` is a literal x, `$n` group n (digits taken while the number
 * is a group; a first digit past the last group stays literal text, as Kafka's mapper makes it),
 * `${name}` a named group. A lone `$` is refused (Java would throw when the rule is applied).
 */
function compileReplacement(text: string, groups: number, rule: string): ReplacementPart[] {
  const parts: ReplacementPart[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      if (i + 1 >= text.length) throw new PrincipalMappingError(`principal mapping rule '${rule}': replacement ends with a lone '\\'`);
      literal += text[++i];
    } else if (c === '$') {
      const named = /^\{([A-Za-z][A-Za-z0-9]*)\}/.exec(text.slice(i + 1));
      if (named) {
        flush();
        parts.push({ group: named[1] });
        i += named[0].length;
        continue;
      }
      const digits = /^\d+/.exec(text.slice(i + 1))?.[0];
      if (digits === undefined) throw new PrincipalMappingError(`principal mapping rule '${rule}': '$' must be followed by a group number`);
      let length = 1;
      let group = Number(digits[0]);
      if (group > groups) {
        literal += '$'; // not a group: the digits follow as text
        continue;
      }
      while (length < digits.length && Number(digits.slice(0, length + 1)) <= groups) group = Number(digits.slice(0, ++length));
      flush();
      parts.push({ group });
      i += length;
    } else {
      literal += c;
    }
  }
  flush();
  return parts;

  function flush(): void {
    if (literal !== '') parts.push(literal);
    literal = '';
  }
}

function apply(rule: MappingRule, name: string): string | undefined {
  if (!rule.pattern) return name;
  if (!rule.whole!.test(name)) return undefined;
  const parts = rule.replacement!;
  const result = name.replace(rule.pattern, (...args: unknown[]) => {
    const hasNamed = typeof args[args.length - 1] === 'object';
    const named = (hasNamed ? args[args.length - 1] : undefined) as Record<string, string | undefined> | undefined;
    const captures = args.slice(1, hasNamed ? -3 : -2) as (string | undefined)[];
    return parts
      .map((part) =>
        typeof part === 'string'
          ? part
          : typeof part.group === 'number'
            ? part.group === 0
              ? (args[0] as string)
              : (captures[part.group - 1] ?? '')
            : (named?.[part.group] ?? ''),
      )
      .join('');
  });
  if (rule.caseChange === 'L') return result.toLowerCase();
  if (rule.caseChange === 'U') return result.toUpperCase();
  return result;
}
