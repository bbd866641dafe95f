/**
 * Go text/template, as the docker CLI uses it: parse once with docker's function set,
 * execute against Go-like values (see values.ts). The executor is a port of Go's
 * text/template/exec.go, kept close to the original so that what gets printed and the
 * error messages (`template: :1:2: executing "" at <.X>: can't evaluate field X in
 * type T`) are Go's.
 */
import { BUILTINS, DOCKER_FUNCS, FuncDef, FuncMap, isTrue, ParamType, truth } from './funcs.js';
import { formatValue, goQuote } from './gofmt.js';
import {
  BranchNode,
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  Node,
  nodeString,
  NumberNode,
  parseTemplate,
  PipeNode,
  TemplateNode,
  Tree,
  TreeSet,
  VariableNode,
} from './parse.js';
import {
  GoContext,
  GoFloat,
  goTypeName,
  GoMap,
  GoNilPtr,
  GoSlice,
  GoStruct,
  Iface,
  isGoInt,
  isPlainObject,
  isStringArray,
  sortedKeys,
} from './values.js';

export { TemplateParseError } from './parse.js';

/** An execution error; `message` is Go's ExecError text. */
export class TemplateExecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateExecError';
  }
}

export interface ExecOptions {
  /** functions replacing the parse-time ones (docker swaps in its header functions) */
  funcs?: FuncMap;
  /**
   * Go's missingkey option for plain-object (map[string]interface {}) lookups:
   * 'default' yields <no value>, 'error' fails with `map has no entry for key "k"`.
   */
  missingKey?: 'default' | 'zero' | 'error';
}

export interface ParseOptions {
  /** template name (docker uses ""); appears in error messages */
  name?: string;
  /** functions besides Go's builtins; defaults to docker's (json, join, split, ...) */
  funcs?: FuncMap;
}

/** A parsed template. */
export class Template {
  private constructor(
    readonly name: string,
    private readonly trees: TreeSet,
    private readonly funcs: FuncMap,
  ) {}

  /** Parses Go template text; throws TemplateParseError with Go's message. */
  static parse(text: string, opts: ParseOptions = {}): Template {
    const funcs = opts.funcs ?? DOCKER_FUNCS;
    const name = opts.name ?? '';
    const trees = parseTemplate(name, text, (f) => Object.hasOwn(funcs, f) || Object.hasOwn(BUILTINS, f));
    return new Template(name, trees, funcs);
  }

  /** Executes the template against `data`; throws TemplateExecError with Go's message. */
  execute(data: unknown, opts: ExecOptions = {}): string {
    const { out, error } = this.executePartial(data, opts);
    if (error !== null) throw error;
    return out;
  }

  /** Like execute, but on failure returns what was written before the error (docker's table headers). */
  executePartial(data: unknown, opts: ExecOptions = {}): { out: string; error: TemplateExecError | null } {
    const tree = this.trees.get(this.name);
    if (tree === undefined) return { out: '', error: new TemplateExecError(`template: ${this.name}: ${goQuote(this.name)} is an incomplete or empty template`) };
    const funcs = { ...this.funcs, ...(opts.funcs ?? {}) };
    const state = new State(tree, this.trees, funcs, opts.missingKey ?? 'default', [{ name: '$', value: normalize(data) }]);
    try {
      state.walk(normalize(data), tree.root);
      return { out: state.out, error: null };
    } catch (e) {
      if (e instanceof ExecFailure) return { out: state.out, error: new TemplateExecError(e.message) };
      throw e;
    }
  }
}

class ExecFailure extends Error {}
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
const MISSING = Symbol('missing');
type Final = unknown; // a value, or MISSING when there is no piped-in argument

interface Variable {
  name: string;
  value: unknown;
}

const MAX_EXEC_DEPTH = 100000;

const normalize = (v: unknown): unknown => (v === null ? undefined : v);
/** Go digs the concrete value out of an interface{} after every command of a pipeline. */
const dig = (v: unknown): unknown => (v instanceof Iface ? normalize(v.v) : normalize(v));

const byteLength = (s: string): number => Buffer.byteLength(s);

class State {
  out = '';
  node: Node | null = null;
  depth = 0;

  constructor(
    private tree: Tree | null,
    private readonly trees: TreeSet,
    private readonly funcs: Record<string, FuncDef>,
    private readonly missingKey: 'default' | 'zero' | 'error',
    private vars: Variable[],
  ) {}

  // ------------------------------------------------------------ errors & variables

  at(n: Node): void {
    this.node = n;
  }

  errorf(msg: string): never {
    const name = this.tree?.name ?? '';
    if (this.node === null) throw new ExecFailure(`template: ${name}: ${msg}`);
    const n = this.node;
    const before = n.tree.text.slice(0, n.pos);
    const nl = before.lastIndexOf('\n');
    const byteNum = nl === -1 ? byteLength(before) : byteLength(before.slice(nl + 1));
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    throw new ExecFailure(`template: ${n.tree.parseName}:${line}:${byteNum}: executing ${goQuote(name)} at <${nodeString(n)}>: ${msg}`);
  }

  private mark(): number {
    return this.vars.length;
  }
  private pop(mark: number): void {
    this.vars.length = mark;
  }
  private push(name: string, value: unknown): void {
    this.vars.push({ name, value });
  }
  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  private setTopVar(n: number, value: unknown): void {
    (this.vars[this.vars.length - n] as Variable).value = value;
  }
  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) return v.value;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // ------------------------------------------------------------ walking

  walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.kind) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'if':
      case 'with':
        this.walkIfOrWith(node, dot);
        return;
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'template':
        this.walkTemplate(dot, node);
        return;
      case 'text':
        this.out += node.text;
        return;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkIfOrWith(node: BranchNode, dot: unknown): void {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, node.pipe);
      const [t, ok] = isTrue(val);
      if (!ok) this.errorf(`if/with can't use ${formatValue(val)}`);
      if (t) this.walk(node.kind === 'with' ? val : dot, node.list);
      else if (node.elseList !== null) this.walk(dot, node.elseList);
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(dot: unknown, r: BranchNode): void {
    this.at(r);
    const outer = this.mark();
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const decl = r.pipe.decl;
      const oneIteration = (index: unknown, elem: unknown): void => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar((decl[0] as VariableNode).ident[0] as string, decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar((decl[1] as VariableNode).ident[0] as string, elem);
          else this.setTopVar(2, index);
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
      };
      const run = (each: () => void): boolean => {
        try {
          each();
        } catch (e) {
          if (e !== BREAK) throw e;
        }
        return true;
      };
      if (Array.isArray(val) || val instanceof GoSlice) {
        const items = Array.isArray(val) ? val : (val.items ?? []);
        const typed = val instanceof GoSlice;
        if (items.length > 0) {
          run(() => items.forEach((e, i) => oneIteration(i, typed ? e : new Iface(e))));
          return;
        }
      } else if (isPlainObject(val) || val instanceof GoMap) {
        const entries = isPlainObject(val) ? val : val.entries;
        const typed = val instanceof GoMap && val.elemIsString;
        if (entries !== null && Object.keys(entries).length > 0) {
          run(() => sortedKeys(entries).forEach((k) => oneIteration(k, typed ? entries[k] : new Iface(entries[k]))));
          return;
        }
      } else if (isGoInt(val)) {
        if (decl.length > 1) this.errorf(`can't use ${formatValue(val)} to iterate over more than one variable`);
        if (val > 0) {
          run(() => {
            for (let i = 0; i < val; i++) oneIteration(undefined, i);
          });
          return;
        }
      } else if (val !== undefined) {
        this.errorf(`range can't iterate over ${formatValue(val)}`);
      }
      if (r.elseList !== null) this.walk(dot, r.elseList);
    } finally {
      this.pop(outer);
    }
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    this.at(t);
    const tree = this.trees.get(t.name);
    if (tree === undefined) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth === MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    const newDot = this.evalPipeline(dot, t.pipe);
    const saved = { tree: this.tree, vars: this.vars };
    this.depth++;
    this.tree = tree;
    this.vars = [{ name: '$', value: newDot }];
    try {
      this.walk(newDot, tree.root);
    } finally {
      this.depth--;
      this.tree = saved.tree;
      this.vars = saved.vars;
    }
  }

  // ------------------------------------------------------------ evaluation

  private evalPipeline(dot: unknown, pipe: PipeNode | null): unknown {
    if (pipe === null) return undefined;
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = dig(this.evalCommand(dot, cmd, value));
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0] as string, value);
      else this.push(v.ident[0] as string, value);
    }
    return value;
  }

  private notAFunction(args: readonly Node[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0] as Node)}`);
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0] as Node;
    switch (first.kind) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      // falls through (errorf never returns)
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
    this.errorf(`can't evaluate command ${goQuote(nodeString(first))}`);
  }

  private idealConstant(c: NumberNode): unknown {
    this.at(c);
    if (c.isComplex) this.errorf(`complex constant ${c.text} is not supported`);
    if (c.isFloat && !/^[+-]?0[xX]/.test(c.text) && !c.text.startsWith("'") && /[.eEpP]/.test(c.text)) {
      return Number.isInteger(c.float) ? new GoFloat(c.float) : c.float;
    }
    if (c.isInt) return c.int;
    return undefined;
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: readonly Node[] | null, final: Final): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: readonly Node[] | null, final: Final): unknown {
    this.at(chain);
    if (chain.field.length === 0) this.errorf('internal error: no fields in evalChainNode');
    if (chain.node.kind === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, 'any', chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: unknown, v: VariableNode, args: readonly Node[] | null, final: Final): unknown {
    this.at(v);
    const value = this.varValue(v.ident[0] as string);
    if (v.ident.length === 1) {
      this.notAFunction(args ?? [v], final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: Node, ident: readonly string[], args: readonly Node[] | null, final: Final): unknown {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i] as string, node, null, MISSING, receiver);
    return this.evalField(dot, ident[n - 1] as string, node, args, final, receiver);
  }

  private evalFunction(dot: unknown, node: IdentifierNode, cmd: Node, args: readonly Node[] | null, final: Final): unknown {
    this.at(node);
    const name = node.ident;
    const f = this.funcs[name] ?? BUILTINS[name];
    if (f === undefined) this.errorf(`${goQuote(name)} is not a defined function`);
    const isBuiltin = this.funcs[name] === undefined;
    return this.evalCall(dot, f, isBuiltin, cmd, name, args, final);
  }

  private evalField(dot: unknown, fieldName: string, node: Node, args: readonly Node[] | null, final: Final, receiver: unknown): unknown {
    if (receiver === undefined || receiver === null) {
      if (this.missingKey === 'error') this.errorf(`nil data; no entry for key ${goQuote(fieldName)}`);
      return undefined;
    }
    const typ = goTypeName(receiver);
    let r = receiver;
    if (r instanceof Iface) {
      if (r.v === null || r.v === undefined) this.errorf(`nil pointer evaluating ${typ}.${fieldName}`);
      r = r.v;
    }
    // Methods first, as Go looks them up before fields and map keys.
    if (r instanceof GoContext) {
      const get = r.fields[fieldName];
      if (get !== undefined) return this.evalCall(dot, { params: [], call: () => normalize(get()) }, false, node, fieldName, args, final);
    }
    if (r instanceof GoContext || r instanceof GoMap) {
      const m = r.methods[fieldName];
      if (m !== undefined) {
        const params: ParamType[] = new Array<ParamType>(m.length).fill('string');
        return this.evalCall(dot, { params, call: (a) => normalize(m(...(a as string[]))) }, false, node, fieldName, args, final);
      }
    }
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    if (r instanceof GoStruct) {
      if (Object.hasOwn(r.fields, fieldName)) {
        if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
        const v = r.fields[fieldName];
        return v === null || v === undefined ? new Iface(null) : v;
      }
    } else if (r instanceof GoMap || isPlainObject(r)) {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      const entries = r instanceof GoMap ? r.entries : r;
      const stringElems = r instanceof GoMap && r.elemIsString;
      if (entries !== null && Object.hasOwn(entries, fieldName)) {
        const v = entries[fieldName];
        return stringElems ? v : new Iface(v);
      }
      if (r instanceof GoMap) return this.missingKey === 'zero' ? (stringElems ? '' : new Iface(null)) : undefined;
      switch (this.missingKey) {
        case 'error':
          this.errorf(`map has no entry for key ${goQuote(fieldName)}`);
        // falls through (errorf never returns)
        case 'zero':
          return new Iface(null);
        default:
          return undefined;
      }
    } else if (r instanceof GoNilPtr) {
      this.errorf(`nil pointer evaluating ${typ}.${fieldName}`);
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typ}`);
  }

  private evalCall(dot: unknown, f: FuncDef, isBuiltin: boolean, node: Node, name: string, argNodes: readonly Node[] | null, final: Final): unknown {
    const args = argNodes === null ? [] : argNodes.slice(1);
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    let numFixed = args.length;
    if (f.variadic !== undefined) {
      numFixed = f.params.length;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${f.params.length} got ${args.length}`);
    } else if (numIn !== f.params.length) {
      this.errorf(`wrong number of args for ${name}: want ${f.params.length} got ${numIn}`);
    }
    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: unknown;
      for (const a of args) {
        v = this.evalArg(dot, 'any', a);
        if (truth(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = this.validateType(final, 'any');
      return v;
    }
    const argv: unknown[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv[i] = this.evalArg(dot, f.params[i] as ParamType, args[i] as Node);
    if (f.variadic !== undefined) for (; i < args.length; i++) argv[i] = this.evalArg(dot, f.variadic, args[i] as Node);
    if (final !== MISSING) {
      let t: ParamType;
      if (f.variadic !== undefined) t = numIn - 1 < numFixed ? (f.params[numIn - 1] as ParamType) : f.variadic;
      else t = f.params[f.params.length - 1] as ParamType;
      argv[i] = this.validateType(final, t);
    }
    try {
      return f.call(argv);
    } catch (e) {
      if (e instanceof ExecFailure || e === BREAK || e === CONTINUE) throw e;
      this.at(node);
      this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private validateType(value: unknown, typ: ParamType): unknown {
    if (value === undefined || value === null) {
      if (typ === 'any') return undefined;
      if (typ === '[]string') return [];
      this.errorf(`invalid value; expected ${typ}`);
    }
    if (typ === 'any') return value;
    const fits = (v: unknown): boolean =>
      (typ === 'string' && typeof v === 'string') ||
      (typ === 'int' && isGoInt(v)) ||
      (typ === 'bool' && typeof v === 'boolean') ||
      (typ === '[]string' && (isStringArray(v) || (v instanceof GoSlice && v.typeName === '[]string')));
    let v = value;
    if (!fits(v) && v instanceof Iface && v.v !== null && v.v !== undefined) v = v.v;
    if (fits(v)) return v instanceof GoSlice ? [...(v.items ?? [])] : v;
    this.errorf(`wrong type for value; expected ${typ}; got ${goTypeName(value)}`);
  }

  private evalArg(dot: unknown, typ: ParamType, n: Node): unknown {
    this.at(n);
    switch (n.kind) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ === 'any') return undefined;
        if (typ === '[]string') return [];
        this.errorf(`cannot assign nil to ${typ}`);
      // falls through (errorf never returns)
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), typ);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, null, MISSING), typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, null, MISSING), typ);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, null, MISSING), typ);
    }
    switch (typ) {
      case 'bool':
        if (n.kind === 'bool') return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
      // falls through (errorf never returns)
      case 'int':
        if (n.kind === 'number' && n.isInt) return n.int;
        this.errorf(`expected integer; found ${nodeString(n)}`);
      // falls through (errorf never returns)
      case 'string':
        if (n.kind === 'string') return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
      // falls through (errorf never returns)
      case 'any':
        return this.evalEmptyInterface(n);
      default:
        this.errorf(`can't handle ${nodeString(n)} for arg of type ${typ}`);
    }
  }

  private evalEmptyInterface(n: Node): unknown {
    this.at(n);
    switch (n.kind) {
      case 'bool':
        return n.value;
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return n.text;
    }
    this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
  }

  private printValue(n: Node, v: unknown): void {
    this.at(n);
    if (v === undefined || v === null) {
      this.out += '<no value>';
      return;
    }
    // printableValue indirects pointers: a *T prints as T.
    if (v instanceof GoStruct && v.typeName.startsWith('*')) v = new GoStruct(v.fields, v.typeName.slice(1), v.omitted);
    if (v instanceof GoContext && v.typeName.startsWith('*')) v = new GoContext(v.typeName.slice(1), v.fields, v.methods);
    this.out += formatValue(v);
  }
}
