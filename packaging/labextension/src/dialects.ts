/**
 * Which SQL dialect a connection speaks, as far as the notebook's text tells: `%connect NAME URL`
 * lines give each name its URL's dialect, and the last `%connect` or `%use` of a SQL connection
 * above a cell is the current one there. Connections from dbkernel.toml or DATABASE_URL are not
 * in the text: the kernel names them in its kernel_info reply (`dbkernel.sql`, see
 * src/kernel/requests/kernel_info.rs), read by {@link kernelDialects}; a `%connect` line of the
 * same name wins, as it does in the kernel.
 */
export type Dialect = 'standard' | 'postgresql' | 'mysql' | 'mariadb' | 'sqlite';

export interface SqlContext {
  /** Connection name -> dialect (SQL connections only). */
  names: Map<string, Dialect>;
  /** The dialect of the current SQL connection before the cell's own line magics. */
  current: Dialect;
}

export function dialectOfUrl(url: string): Dialect | null {
  const scheme = url.split(':', 1)[0].toLowerCase();
  switch (scheme) {
    case 'postgres':
    case 'postgresql':
      return 'postgresql';
    case 'mysql':
      return 'mysql';
    case 'mariadb':
      return 'mariadb';
    case 'sqlite':
      return 'sqlite';
    default:
      return null;
  }
}

const CONNECT = /^\s*%connect\s+(\S+)\s+(\S+)/gm;
const CONNECT_OR_USE = /^\s*%(connect|use)\s+(\S+)(?:\s+(\S+))?/gm;

/** Every SQL connection name defined anywhere in these cells. */
export function namedDialects(cells: string[]): Map<string, Dialect> {
  const names = new Map<string, Dialect>();
  for (const text of cells) {
    for (const match of text.matchAll(CONNECT)) {
      const dialect = dialectOfUrl(match[2]);
      if (dialect) {
        names.set(match[1], dialect);
      }
    }
  }
  return names;
}

/** The current SQL dialect after running `cells` top to bottom from `start`. */
export function currentDialect(
  cells: string[],
  names: Map<string, Dialect>,
  start: Dialect = 'standard'
): Dialect {
  let current: Dialect = start;
  for (const text of cells) {
    for (const match of text.matchAll(CONNECT_OR_USE)) {
      const dialect = match[1] === 'connect' ? dialectOfUrl(match[3] ?? '') : names.get(match[2]) ?? null;
      if (dialect) {
        current = dialect;
      }
    }
  }
  return current;
}

const DIALECTS: Dialect[] = ['postgresql', 'mysql', 'mariadb', 'sqlite'];

/** The SQL connections the kernel started with, from its kernel_info reply (anything else in
 * the reply, or a reply from an older kernel without them, gives none). */
export function kernelDialects(info: unknown): SqlContext {
  const names = new Map<string, Dialect>();
  const sql = (info as { dbkernel?: { sql?: { connections?: unknown; current?: unknown } } } | null)
    ?.dbkernel?.sql;
  if (sql && typeof sql.connections === 'object' && sql.connections !== null) {
    for (const [name, dialect] of Object.entries(sql.connections as Record<string, unknown>)) {
      if (DIALECTS.includes(dialect as Dialect)) {
        names.set(name, dialect as Dialect);
      }
    }
  }
  const current = typeof sql?.current === 'string' ? names.get(sql.current) : undefined;
  return { names, current: current ?? 'standard' };
}
