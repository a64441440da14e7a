/** Reads the shell's TypeScript sources as syntax trees for the static security tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const root = resolve(import.meta.dirname, '../../..');

export interface Source {
  /** Relative to the repository root. */
  path: string;
  text: string;
  tree: ts.SourceFile;
}

export function readSources(dir: string): Source[] {
  const full = join(root, dir);
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => {
      const file = join(full, name);
      const text = readFileSync(file, 'utf8');
      return { path: relative(root, file), text, tree: ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true) };
    });
}

export function* walk(node: ts.Node): Generator<ts.Node> {
  yield node;
  for (const child of node.getChildren()) yield* walk(child);
}

/** The name a call's callee ends in: `a.b.on(…)` → "on", `f(…)` → "f". */
export function calleeName(call: ts.CallExpression | ts.NewExpression): string | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

export function calls(source: Source, name: string): ts.CallExpression[] {
  return [...walk(source.tree)].filter((node): node is ts.CallExpression => ts.isCallExpression(node) && calleeName(node) === name);
}

export function news(source: Source, name: string): ts.NewExpression[] {
  return [...walk(source.tree)].filter((node): node is ts.NewExpression => ts.isNewExpression(node) && calleeName(node) === name);
}

/** `x.on('event', handler)` calls for one event name. */
export function listenersFor(source: Source, event: string): ts.CallExpression[] {
  return calls(source, 'on').filter((call) => {
    const first = call.arguments[0];
    return first !== undefined && ts.isStringLiteral(first) && first.text === event;
  });
}

/** The value of a literal expression (true, false, strings, numbers); undefined for anything else. */
export function literalOf(node: ts.Expression): unknown {
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  return undefined;
}

export function property(object: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralElementLike | undefined {
  return object.properties.find((p) => p.name !== undefined && ts.isIdentifier(p.name) && p.name.text === name);
}

/** Strips `x satisfies T`, `x as T` and parentheses. */
export function unwrapExpression(node: ts.Expression): ts.Expression {
  let current = node;
  while (ts.isSatisfiesExpression(current) || ts.isAsExpression(current) || ts.isParenthesizedExpression(current)) current = current.expression;
  return current;
}
