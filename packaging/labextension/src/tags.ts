/**
 * Our own highlight tags. Each one has a standard parent tag, so any theme (JupyterLab's, or
 * @lezer/highlight's classHighlighter) colours it as that parent; the `cm-dbk-*` classes let a
 * stylesheet or a test tell a magic from a Redis command.
 */
import { HighlightStyle } from '@codemirror/language';
import { Tag, tags } from '@lezer/highlight';

/** `%%sql`, `%connect`: the magic word itself. */
export const magicName = Tag.define(tags.meta);
/** The connection named on a magic line (`%%sql pg`, `%use pg`). */
export const connectionName = Tag.define(tags.labelName);
/** `--limit`, `--out`: a magic's option. */
export const magicOption = Tag.define(tags.attributeName);
/** `SET`, `HGETALL`, `CLIENT KILL`: a Redis command (and container subcommand). */
export const redisCommand = Tag.define(tags.keyword);
/** `EX`, `WITHSCORES`, `MATCH`: a Redis command's option word. */
export const redisOption = Tag.define(tags.atom);
/** `{{name}}`: a kernel variable inserted as one argument. */
export const interpolation = Tag.define(tags.variableName);

export const dbkernelClasses = HighlightStyle.define([
  { tag: magicName, class: 'cm-dbk-magic' },
  { tag: connectionName, class: 'cm-dbk-connection' },
  { tag: magicOption, class: 'cm-dbk-option' },
  { tag: redisCommand, class: 'cm-dbk-redis-command' },
  { tag: redisOption, class: 'cm-dbk-redis-option' },
  { tag: interpolation, class: 'cm-dbk-interpolation' }
]);
