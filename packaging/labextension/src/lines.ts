/**
 * A class on each line of a cell's body saying its language (`cm-dbk-body-redis`,
 * `cm-dbk-body-sql-postgresql`) and one on magic lines (`cm-dbk-magic-line`), so a stylesheet
 * or a test can see which language the cell language chose for each part.
 */
import { syntaxTree } from '@codemirror/language';
import { RangeSetBuilder } from '@codemirror/state';
import { Decoration, DecorationSet, EditorView, ViewPlugin, ViewUpdate } from '@codemirror/view';
import { Tree } from '@lezer/common';
import { bodyKindOf } from './cell';

function decorate(view: EditorView): DecorationSet {
  const builder = new RangeSetBuilder<Decoration>();
  // The host tree's own children: walking SyntaxNodes would enter the nested languages' trees.
  const tree = syntaxTree(view.state);
  if (tree.type.name !== 'Cell') {
    return builder.finish();
  }
  for (let i = 0; i < tree.children.length; i++) {
    const child = tree.children[i];
    const from = tree.positions[i];
    const kind = child instanceof Tree ? bodyKindOf(child.type) : null;
    const line = Decoration.line({ class: kind ? `cm-dbk-body-${kind}` : 'cm-dbk-magic-line' });
    const first = view.state.doc.lineAt(from).number;
    const last = view.state.doc.lineAt(from + child.length).number;
    for (let n = first; n <= last; n++) {
      const at = view.state.doc.line(n).from;
      builder.add(at, at, line);
    }
  }
  return builder.finish();
}

export const bodyLineClasses = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = decorate(view);
    }
    update(update: ViewUpdate): void {
      if (update.docChanged || syntaxTree(update.state) !== syntaxTree(update.startState)) {
        this.decorations = decorate(update.view);
      }
    }
  },
  { decorations: plugin => plugin.decorations }
);
