/**
 * Redis commands as redis-cli reads them, as a CodeMirror stream language: one command per
 * line, its first word (and a container's subcommand) a command, double-quoted strings with
 * backslash escapes, single-quoted strings taken literally, `{{name}}` kernel variables, and
 * `#` or `//` comments at the start of a line (src/engine/redis/tokenize.rs splits the same way).
 */
import { StreamLanguage, StringStream } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { interpolation, redisCommand, redisOption } from './tags';

interface State {
  /** Arguments seen on this line so far (0: the command). */
  arg: number;
  /** The command, upper-cased, to recognise a container's subcommand. */
  command: string;
}

// Commands whose second word is a subcommand (`CLIENT KILL`, `XGROUP CREATE`).
const CONTAINERS = new Set([
  'ACL', 'CLIENT', 'CLUSTER', 'COMMAND', 'CONFIG', 'FUNCTION', 'LATENCY', 'MEMORY', 'MODULE',
  'OBJECT', 'PUBSUB', 'SCRIPT', 'SLOWLOG', 'XGROUP', 'XINFO'
]);

// Option words of common commands (SET, ZADD, ZRANGE, SCAN, XADD, XREAD, SORT, GEO*...).
const OPTIONS = new Set([
  'EX', 'PX', 'EXAT', 'PXAT', 'NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'KEEPTTL', 'GET',
  'WITHSCORES', 'WITHSCORE', 'LIMIT', 'BYSCORE', 'BYLEX', 'REV', 'MATCH', 'COUNT', 'TYPE',
  'BY', 'ASC', 'DESC', 'ALPHA', 'STORE', 'WEIGHTS', 'AGGREGATE', 'SUM', 'MIN', 'MAX',
  'MAXLEN', 'MINID', 'NOMKSTREAM', 'BLOCK', 'STREAMS', 'GROUP', 'NOACK', 'JUSTID', 'IDLE',
  'FORCE', 'RETRYCOUNT', 'WITHVALUES', 'WITHCOUNT', 'LEFT', 'RIGHT', 'BEFORE', 'AFTER',
  'WITHCOORD', 'WITHDIST', 'WITHHASH', 'FROMMEMBER', 'FROMLONLAT', 'BYRADIUS', 'BYBOX',
  'KM', 'M', 'MI', 'FT', 'REPLACE', 'ABSTTL', 'FREQ', 'IDLETIME', 'SCHEMA', 'NOVALUES', 'FIELDS'
]);

function token(stream: StringStream, state: State): string | null {
  if (stream.sol()) {
    state.arg = 0;
    state.command = '';
  }
  if (stream.eatSpace()) {
    return null;
  }
  if (state.arg === 0 && (stream.match('#') || stream.match('//'))) {
    stream.skipToEnd();
    return 'comment';
  }
  const index = state.arg++;
  if (stream.match(/^\{\{\s*[\w.]+\s*\}\}/)) {
    return 'interpolation';
  }
  if (stream.match(/^"(?:[^"\\]|\\.)*"?/) || stream.match(/^'[^']*'?/)) {
    return 'string';
  }
  const word = (stream.match(/^\S+/) as RegExpMatchArray)[0];
  const upper = word.toUpperCase();
  if (index === 0) {
    state.command = upper;
    return 'redisCommand';
  }
  if (index === 1 && CONTAINERS.has(state.command)) {
    return 'redisCommand';
  }
  if (/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i.test(word) || /^[+-]inf$/i.test(word)) {
    return 'number';
  }
  if (index > 1 && OPTIONS.has(upper)) {
    return 'redisOption';
  }
  return null;
}

export const redis = StreamLanguage.define<State>({
  name: 'redis',
  startState: () => ({ arg: 0, command: '' }),
  token,
  // A modified tag cannot be a parent: {{name}} carries both ours and special(variableName).
  tokenTable: {
    redisCommand,
    redisOption,
    interpolation: [interpolation, tags.special(tags.variableName)],
    comment: tags.lineComment
  },
  languageData: { commentTokens: { line: '#' } }
});
