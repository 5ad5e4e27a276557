/**
 * The dbkernel JupyterLab / Notebook 7 plugin: every code cell of a dbkernel notebook is
 * highlighted in its cell magic's language (`%%sql` as the connection's SQL dialect, `%%mql` as
 * JavaScript, `%%redis` as redis-cli commands), with the magic lines themselves highlighted.
 *
 * JupyterLab gives a notebook one language, from the kernel's mimetype (text/x-sql). This plugin
 * adds an editor extension to every editor; in editors of that mimetype it puts the cell
 * language (cell.ts) ahead of JupyterLab's, in a compartment so that a new `%connect` line
 * elsewhere in the notebook can change a cell's SQL dialect.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import {
  EditorExtensionRegistry,
  IEditorExtensionRegistry,
  IEditorLanguageRegistry
} from '@jupyterlab/codemirror';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Language, syntaxHighlighting } from '@codemirror/language';
import { Compartment, Prec } from '@codemirror/state';
import { EditorView, ViewPlugin, ViewUpdate } from '@codemirror/view';
import { classHighlighter } from '@lezer/highlight';
import { CodeEditor } from '@jupyterlab/codeeditor';
import { BODY_KINDS, BodyParsers, cellLanguage } from './cell';
import { SqlContext, currentDialect, kernelDialects, namedDialects } from './dialects';
import { bodyLineClasses } from './lines';
import { redis } from './redis';
import { dbkernelClasses } from './tags';

/**
 * Editors dbkernel's cells get: its kernel_info says text/x-sql and codemirror_mode "sql"
 * (src/kernel/requests/kernel_info.rs), which JupyterLab turns into SQL's first mimetype.
 */
const KERNEL_MIMES = new Set(['text/x-sql', 'application/sql']);

// Body languages from JupyterLab's own registry, so we use the very parsers Lab ships.
const BODY_MIMES: Record<string, string> = {
  'sql-standard': 'text/x-sql',
  'sql-postgresql': 'text/x-pgsql',
  'sql-mysql': 'text/x-mysql',
  'sql-mariadb': 'text/x-mariadb',
  'sql-sqlite': 'text/x-sqlite',
  mql: 'text/javascript'
};

async function loadParsers(languages: IEditorLanguageRegistry): Promise<BodyParsers> {
  const parsers = Object.fromEntries(BODY_KINDS.map(kind => [kind, null])) as BodyParsers;
  parsers.redis = redis.parser;
  for (const [kind, mime] of Object.entries(BODY_MIMES)) {
    const found = languages.findByMIME(mime);
    const loaded = found ? await languages.getLanguage(found) : null;
    parsers[kind as keyof BodyParsers] = loaded?.support?.language.parser ?? null;
  }
  return parsers;
}

/** Live editors and how to recompute their language; refreshed together after edits. */
class Editors {
  private readonly watchers = new Set<CellWatcher>();
  private readonly languages = new Map<string, Language>();
  /** Per kernel: the SQL connections its kernel_info reply names (`null` while asked). */
  private readonly kernels = new WeakMap<object, SqlContext | null>();
  private readonly watchedSessions = new WeakSet<object>();
  private timer = 0;
  constructor(
    private readonly parsers: Promise<BodyParsers>,
    private readonly tracker: INotebookTracker | null
  ) {}

  add(watcher: CellWatcher): void {
    this.watchers.add(watcher);
    this.refreshSoon(0);
  }
  remove(watcher: CellWatcher): void {
    this.watchers.delete(watcher);
  }
  refreshSoon(delay = 250): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.refresh(), delay);
  }

  private async refresh(): Promise<void> {
    const parsers = await this.parsers;
    for (const watcher of this.watchers) {
      if (!KERNEL_MIMES.has(watcher.model.mimeType)) {
        watcher.apply(null);
        continue;
      }
      const context = this.contextOf(watcher);
      const key = `${[...context.names].join(';')}|${context.current}`;
      let language = this.languages.get(key);
      if (!language) {
        language = cellLanguage(context, parsers);
        this.languages.set(key, language);
      }
      watcher.apply(language);
    }
  }

  /** The notebook's connections, and the current SQL one above this cell. */
  private contextOf(watcher: CellWatcher): SqlContext {
    let cells = [watcher.model.sharedModel.getSource()];
    let above: string[] = [];
    let started: SqlContext = { names: new Map(), current: 'standard' };
    this.tracker?.forEach(panel => {
      const models = panel.content.widgets.map(cell => cell.model);
      const index = models.findIndex(model => model === watcher.model);
      if (index >= 0) {
        const sources = models.map(model => model.sharedModel.getSource());
        cells = sources;
        above = sources.slice(0, index);
        started = this.startedConnections(panel.sessionContext) ?? started;
      }
    });
    // `%connect` lines redefine a name the kernel started with, as the kernel does.
    const names = new Map([...started.names, ...namedDialects(cells)]);
    return { names, current: currentDialect(above, names, started.current) };
  }

  /** The connections the notebook's kernel started with (dbkernel.toml, DATABASE_URL), from its
   * kernel_info reply; asked once per kernel, and the editors refreshed when it comes. */
  private startedConnections(session: NotebookPanel['sessionContext']): SqlContext | null {
    if (!this.watchedSessions.has(session)) {
      this.watchedSessions.add(session);
      session.kernelChanged.connect(() => this.refreshSoon(0));
    }
    const kernel = session.session?.kernel;
    if (!kernel) {
      return null;
    }
    const known = this.kernels.get(kernel);
    if (known === undefined) {
      this.kernels.set(kernel, null);
      kernel.info
        .then(info => {
          this.kernels.set(kernel, kernelDialects(info));
          this.refreshSoon(0);
        })
        .catch(() => this.kernels.set(kernel, kernelDialects(null)));
    }
    return known ?? null;
  }
}

/** One per editor: holds the compartment with the cell language. */
class CellWatcher {
  private applied: Language | null | undefined = undefined;
  constructor(
    private readonly view: EditorView,
    readonly model: CodeEditor.IModel,
    private readonly editors: Editors
  ) {
    editors.add(this);
    model.mimeTypeChanged.connect(this.onMime, this);
  }
  private onMime(): void {
    this.editors.refreshSoon(0);
  }
  update(update: ViewUpdate): void {
    // Only magic lines change languages; any edit may add one.
    if (update.docChanged) {
      this.editors.refreshSoon();
    }
  }
  apply(language: Language | null): void {
    if (language === this.applied) {
      return;
    }
    this.applied = language;
    this.view.dispatch({ effects: cellCompartment.reconfigure(language ?? []) });
  }
  destroy(): void {
    this.model.mimeTypeChanged.disconnect(this.onMime, this);
    this.editors.remove(this);
  }
}

const cellCompartment = new Compartment();

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'dbkernel-labextension:cell-magic-languages',
  description: 'Highlights each dbkernel cell in its cell magic language',
  autoStart: true,
  requires: [IEditorExtensionRegistry, IEditorLanguageRegistry],
  optional: [INotebookTracker],
  activate: (
    _app: JupyterFrontEnd,
    extensions: IEditorExtensionRegistry,
    languages: IEditorLanguageRegistry,
    tracker: INotebookTracker | null
  ) => {
    const editors = new Editors(loadParsers(languages), tracker);
    extensions.addExtension({
      name: 'dbkernel:cell-magic-languages',
      factory: options =>
        EditorExtensionRegistry.createImmutableExtension([
          // Highest precedence: the first language in the state is the one CodeMirror uses.
          Prec.highest(cellCompartment.of([])),
          ViewPlugin.define(view => new CellWatcher(view, options.model, editors)),
          bodyLineClasses,
          // tok-* classes (stable names for every language) and our cm-dbk-* ones.
          syntaxHighlighting(classHighlighter),
          syntaxHighlighting(dbkernelClasses)
        ])
    });
  }
};

export default plugin;
