/**
 * The magic lines of a dbkernel cell (`%connect pg postgres://...`, `%%sql pg --limit 5`), as a
 * CodeMirror stream language: the magic word, the connection name, options, values and URLs.
 * The words follow src/cell/options.rs: a first word not starting with `--` is the connection.
 */
import { StreamLanguage, StringStream } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { connectionName, magicName, magicOption } from './tags';

interface State {
  /** Words seen on this line so far (0: the magic word). */
  word: number;
  /** The magic word, to know which argument is a connection name or a URL. */
  magic: string;
}

// Magics whose first argument is a connection name.
const NAMES_CONNECTION = new Set(['%%sql', '%%mql', '%%mongo', '%%redis', '%connect', '%use']);

function token(stream: StringStream, state: State): string | null {
  if (stream.sol()) {
    state.word = 0;
    state.magic = '';
  }
  if (stream.eatSpace()) {
    return null;
  }
  const index = state.word++;
  if (index === 0) {
    const magic = stream.match(/^%%?[\w-]+\??/) as RegExpMatchArray | null;
    if (magic) {
      state.magic = magic[0];
      return 'magicName';
    }
    stream.skipToEnd();
    return null;
  }
  if (stream.match(/^--[\w-]+/)) {
    return 'magicOption';
  }
  if (stream.match(/^"(?:[^"\\]|\\.)*"?/) || stream.match(/^'[^']*'?/)) {
    return 'string';
  }
  if (stream.match(/^[+-]?\d+(?:\.\d+)?(?=\s|$)/)) {
    return 'number';
  }
  if (stream.match('=')) {
    return 'operator';
  }
  stream.match(/^[^\s=]+/);
  if (index === 1 && NAMES_CONNECTION.has(state.magic)) {
    return 'connectionName';
  }
  if (index === 2 && state.magic === '%connect') {
    return 'url';
  }
  return state.magic === '%set' && index === 1 ? 'variableName' : null;
}

export const magicLine = StreamLanguage.define<State>({
  name: 'dbkernel-magic',
  startState: () => ({ word: 0, magic: '' }),
  token,
  tokenTable: {
    magicName,
    connectionName,
    magicOption,
    url: tags.url,
    variableName: tags.definition(tags.variableName)
  }
});
