/**
 * `npm run typecheck` runs this after tsc: every promise is awaited, returned,
 * or handed on. The data layer is async on both engines; a forgotten `await`
 * on a query compiles, runs later than its caller thinks (after a transaction
 * committed, say) and loses its error. A call whose result is a Promise may not
 * stand alone as a statement; `void promise.catch(…)` says "on purpose".
 * Prints each offence as file:line and exits 1 when there is one.
 */
import path from "node:path";
import ts from "typescript";

const root = path.resolve(import.meta.dirname, "..");
const configFile = ts.readConfigFile(path.join(root, "tsconfig.json"), ts.sys.readFile);
const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
const program = ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true, incremental: false } });
const checker = program.getTypeChecker();

function isPromise(type: ts.Type): boolean {
  if (type.isUnion()) return type.types.some(isPromise);
  const symbol = type.getSymbol() ?? type.aliasSymbol;
  if (symbol && (symbol.getName() === "Promise" || symbol.getName() === "PromiseLike")) return true;
  // drizzle's query builders are thenables that run when awaited: one left alone never runs.
  return (
    !!checker.getPropertyOfType(type, "then") &&
    !!type
      .getSymbol()
      ?.getName()
      .match(/Query|Builder|Base|Promise/)
  );
}

/** `p.catch(f)` and `p.then(f, g)` handle the rejection themselves. */
function handlesRejection(call: ts.CallExpression | ts.NewExpression): boolean {
  if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(call.expression)) return false;
  const method = call.expression.name.text;
  return (
    method === "catch" ||
    (method === "then" && call.arguments.length === 2) ||
    (method === "finally" && handlesRejection(call.expression.expression as ts.CallExpression))
  );
}

const offences: string[] = [];
for (const file of program.getSourceFiles()) {
  if (file.isDeclarationFile || file.fileName.includes("node_modules") || file.fileName.includes("/.next/")) continue;
  const visit = (node: ts.Node) => {
    if (ts.isExpressionStatement(node)) {
      const e = node.expression;
      const call = ts.isCallExpression(e) || ts.isNewExpression(e) ? e : undefined;
      if (call && !handlesRejection(call) && isPromise(checker.getTypeAtLocation(call))) {
        const { line } = file.getLineAndCharacterOfPosition(node.getStart());
        offences.push(`${path.relative(root, file.fileName)}:${line + 1}: ${node.getText().split("\n")[0].slice(0, 100)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

if (offences.length) {
  console.error(`A promise that nobody awaits (await it, return it, or write \`void p.catch(…)\`):\n${offences.join("\n")}`);
  process.exit(1);
}
console.log("check-promises: every promise is awaited");
