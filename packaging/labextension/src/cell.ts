/**
 * A dbkernel cell as one CodeMirror language: leading line magics, an optional cell magic line,
 * then the body, parsed by the body's own language (nested with @lezer/common's parseMixed, so
 * every token keeps its language's highlighting, comment keys and bracket matching).
 * The split follows src/cell/mod.rs: blank lines and `%magic` lines first, then the first other
 * line is the cell magic if it starts with `%%`, else the body (SQL on the current connection).
 */
import { Language, defineLanguageFacet, languageDataProp } from '@codemirror/language';
import {
  Input,
  NodeType,
  Parser,
  PartialParse,
  Tree,
  TreeFragment,
  parseMixed
} from '@lezer/common';
import { Dialect, SqlContext, dialectOfUrl } from './dialects';
import { magicLine } from './magicline';

/** What a body is parsed as. */
export type BodyKind = `sql-${Dialect}` | 'mql' | 'redis' | 'check';

/** The body parsers, loaded from JupyterLab's language registry (and ours for Redis). */
export type BodyParsers = Record<BodyKind, Parser | null>;

export const BODY_KINDS: BodyKind[] = [
  'sql-standard', 'sql-postgresql', 'sql-mysql', 'sql-mariadb', 'sql-sqlite', 'mql', 'redis', 'check'
];

const data = defineLanguageFacet({ commentTokens: { line: '--' } });
const cellType = NodeType.define({ id: 0, name: 'Cell', top: true, props: [[languageDataProp, data]] });
const magicType = NodeType.define({ id: 1, name: 'MagicLine' });
const bodyTypes = BODY_KINDS.map((kind, i) => NodeType.define({ id: i + 2, name: `Body-${kind}` }));

/** The body kind of a node from the cell's top level, or null for a magic line. */
export function bodyKindOf(type: NodeType): BodyKind | null {
  const index = bodyTypes.indexOf(type);
  return index < 0 ? null : BODY_KINDS[index];
}

/** Splits a cell's text into magic lines and a body (absolute offsets). */
function splitCell(text: string, context: SqlContext): Tree {
  const children: Tree[] = [];
  const positions: number[] = [];
  let current = context.current;
  let pos = 0;
  let kind: BodyKind | null = null;
  while (pos < text.length) {
    const end = text.indexOf('\n', pos) < 0 ? text.length : text.indexOf('\n', pos);
    const line = text.slice(pos, end).trim();
    if (line === '') {
      pos = end + 1;
      continue;
    }
    if (line.startsWith('%') && !line.startsWith('%%')) {
      current = followLineMagic(line, context, current);
      children.push(new Tree(magicType, [], [], end - pos));
      positions.push(pos);
      pos = end + 1;
      continue;
    }
    if (line.startsWith('%%')) {
      kind = kindOfMagic(line, context, current);
      children.push(new Tree(magicType, [], [], end - pos));
      positions.push(pos);
      pos = end + 1;
    }
    break;
  }
  if (pos < text.length) {
    const body = bodyTypes[BODY_KINDS.indexOf(kind ?? (`sql-${current}` as BodyKind))];
    children.push(new Tree(body, [], [], text.length - pos));
    positions.push(pos);
  }
  return new Tree(cellType, children, positions, text.length);
}

/** `%connect NAME URL` and `%use NAME` make a connection current, as the kernel does. */
function followLineMagic(line: string, context: SqlContext, current: Dialect): Dialect {
  const words = line.split(/\s+/);
  if (words[0] === '%connect' && words.length >= 3) {
    return dialectOfUrl(words[2]) ?? current;
  }
  if (words[0] === '%use' && words.length >= 2) {
    return context.names.get(words[1]) ?? current;
  }
  return current;
}

function kindOfMagic(line: string, context: SqlContext, current: Dialect): BodyKind | null {
  const words = line.split(/\s+/);
  switch (words[0]) {
    case '%%sql': {
      const name = words[1] && !words[1].startsWith('--') ? words[1] : null;
      const dialect = name ? context.names.get(name) ?? dialectOfUrl(name) ?? 'standard' : current;
      return `sql-${dialect}`;
    }
    case '%%mql':
    case '%%mongo':
      return 'mql';
    case '%%redis':
      return 'redis';
    case '%%check':
      return 'check';
    default:
      return null;
  }
}

/** The host parse is done at once: it only looks at line starts. */
class SplitParse implements PartialParse {
  parsedPos: number;
  stoppedAt: number | null = null;
  constructor(private readonly tree: Tree) {
    this.parsedPos = tree.length;
  }
  advance(): Tree {
    return this.tree;
  }
  stopAt(pos: number): void {
    this.stoppedAt = pos;
  }
}

class CellParser extends Parser {
  private readonly wrap;
  constructor(private readonly context: SqlContext, parsers: BodyParsers) {
    super();
    this.wrap = parseMixed(node => {
      if (node.type === magicType) {
        return { parser: magicLine.parser };
      }
      const kind = bodyKindOf(node.type);
      const parser = kind ? parsers[kind] : null;
      return parser ? { parser } : null;
    });
  }
  createParse(
    input: Input,
    fragments: readonly TreeFragment[],
    ranges: readonly { from: number; to: number }[]
  ): PartialParse {
    const tree = splitCell(input.read(0, input.length), this.context);
    return this.wrap(new SplitParse(tree), input, fragments, ranges);
  }
}

/** One language per SQL context (which names are which dialect, which one is current). */
export function cellLanguage(context: SqlContext, parsers: BodyParsers): Language {
  return new Language(data, new CellParser(context, parsers), [], 'dbkernel');
}
