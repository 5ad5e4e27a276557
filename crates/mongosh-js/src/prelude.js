// mongosh's shell API in JavaScript, over one native function, `__shell(op, ...args)`.
//
// Everything that talks to the server goes through `__shell('call' | 'cursor' | 'more' | ...)`,
// which plans the call with the `mongosh` crate's planner (the same planner the subset path
// uses, so commands, defaults and error messages are the same) and blocks until the kernel has
// answered. This file only holds what must be JavaScript: the objects a script handles (db,
// collections, cursors, BSON wrappers) and their methods that take callbacks.
(function (global) {
  'use strict';
  const shell = global.__shell;
  delete global.__shell;
  const define = (object, name, value) =>
    Object.defineProperty(object, name, { value, writable: true, configurable: true, enumerable: false });

  // ---- BSON value classes (js-bson's names, so `x._bsontype === 'ObjectId'` works) ----------
  // Constructors go through the planner's evaluator (`construct`), which validates arguments as
  // mongosh does; `__bson.*` builds instances from values the kernel received.
  const bson = {};
  function wrapper(name, bsontype, methods) {
    const ctor = function (...args) {
      return shell('construct', name, args);
    };
    Object.defineProperty(ctor, 'name', { value: name });
    define(ctor.prototype, '_bsontype', bsontype);
    for (const [key, fn] of Object.entries(methods || {})) define(ctor.prototype, key, fn);
    define(ctor.prototype, 'toJSON', function () { return shell('ejson', this, true); });
    define(ctor.prototype, 'inspect', function () { return shell('inspect', this); });
    global[name] = ctor;
    return ctor;
  }
  const make = (ctor, fields) => {
    const object = Object.create(ctor.prototype);
    for (const [key, value] of Object.entries(fields)) define(object, key, value);
    return object;
  };
  const ObjectId = wrapper('ObjectId', 'ObjectId', {
    toString() { return this.__hex; },
    toHexString() { return this.__hex; },
    getTimestamp() { return new Date(parseInt(this.__hex.slice(0, 8), 16) * 1000); },
    equals(other) { return other != null && String(other.__hex || other) === this.__hex; },
    valueOf() { return this.__hex; },
  });
  Object.defineProperty(ObjectId.prototype, 'str', { get() { return this.__hex; } });
  bson.ObjectId = (hex) => make(ObjectId, { __hex: hex });
  const Long = wrapper('NumberLong', 'Long', {
    toString(radix) { return radix ? BigInt(this.__value).toString(radix) : this.__value; },
    toNumber() { return Number(this.__value); },
    valueOf() { return Number(this.__value); },
    equals(other) { return other != null && String(other) === this.__value; },
  });
  global.Long = Long;
  bson.Long = (text) => make(Long, { __value: text });
  const Int32 = wrapper('NumberInt', 'Int32', {
    valueOf() { return this.__value; },
    toString() { return String(this.__value); },
  });
  global.Int32 = Int32;
  bson.Int32 = (n) => make(Int32, { __value: n });
  const Double = wrapper('Double', 'Double', {
    valueOf() { return this.__value; },
    toString() { return String(this.__value); },
  });
  bson.Double = (n) => make(Double, { __value: n });
  const Decimal = wrapper('NumberDecimal', 'Decimal128', {
    toString() { return this.__value; },
    toJSON() { return { $numberDecimal: this.__value }; },
  });
  global.Decimal128 = Decimal;
  bson.Decimal128 = (text) => make(Decimal, { __value: text });
  const Binary = wrapper('BinData', 'Binary', {
    base64() { return this.__base64; },
    hex() { return shell('hex', this.__base64); },
    toString(encoding) {
      if (encoding === 'hex') return shell('hex', this.__base64);
      return this.__base64;
    },
    length() { return shell('length', this.__base64); },
  });
  Object.defineProperty(Binary.prototype, 'sub_type', { get() { return this.__subtype; } });
  Object.defineProperty(Binary.prototype, 'subtype', { get() { return this.__subtype; } });
  global.Binary = Binary;
  bson.Binary = (base64, subtype) => make(Binary, { __base64: base64, __subtype: subtype });
  const Timestamp = wrapper('Timestamp', 'Timestamp', {
    toString() { return `Timestamp({ t: ${this.t}, i: ${this.i} })`; },
    getTime() { return this.t; },
    getInc() { return this.i; },
  });
  bson.Timestamp = (t, i) => {
    const object = make(Timestamp, {});
    Object.defineProperty(object, 't', { value: t, enumerable: false });
    Object.defineProperty(object, 'i', { value: i, enumerable: false });
    return object;
  };
  const MinKey = wrapper('MinKey', 'MinKey');
  bson.MinKey = () => make(MinKey, {});
  const MaxKey = wrapper('MaxKey', 'MaxKey');
  bson.MaxKey = () => make(MaxKey, {});
  const Code = wrapper('Code', 'Code', { toString() { return this.code; } });
  bson.Code = (code, scope) => {
    const object = make(Code, {});
    Object.defineProperty(object, 'code', { value: code, enumerable: false });
    Object.defineProperty(object, 'scope', { value: scope, enumerable: false });
    return object;
  };
  const DBRef = wrapper('DBRef', 'DBRef');
  bson.DBRef = (collection, oid, db) => {
    const object = make(DBRef, {});
    Object.defineProperty(object, 'collection', { value: collection, enumerable: false });
    Object.defineProperty(object, 'oid', { value: oid, enumerable: false });
    Object.defineProperty(object, 'db', { value: db, enumerable: false });
    define(object, '$ref', collection);
    return object;
  };
  const BSONRegExp = wrapper('BSONRegExp', 'BSONRegExp');
  bson.BSONRegExp = (pattern, options) => make(BSONRegExp, { pattern, options });
  const BSONSymbol = wrapper('BSONSymbol', 'BSONSymbol', { toString() { return this.value; } });
  bson.BSONSymbol = (value) => make(BSONSymbol, { value });
  for (const name of ['ISODate', 'UUID', 'MD5', 'HexData', 'NumberLong', 'NumberInt', 'NumberDecimal']) {
    if (!global[name] || name === 'ISODate' || name === 'UUID' || name === 'MD5' || name === 'HexData') {
      const ctor = function (...args) { return shell('construct', name, args); };
      Object.defineProperty(ctor, 'name', { value: name });
      if (name === 'UUID' || name === 'MD5' || name === 'HexData') ctor.prototype = Binary.prototype;
      global[name] = ctor;
    }
  }
  bson.date = (ms) => new Date(ms);
  bson.entries = (map) => Array.from(map.entries());
  bson.regexp = (pattern, flags) => new RegExp(pattern, flags);
  define(global, '__bson', bson);

  global.EJSON = {
    stringify(value, replacer, space, options) {
      const relaxed = !(options && options.relaxed === false);
      const plain = shell('ejson', value, relaxed);
      return JSON.stringify(plain, replacer, space);
    },
    parse(text) { return shell('ejsonParse', String(text)); },
    serialize(value, options) { return shell('ejson', value, !(options && options.relaxed === false)); },
    deserialize(value) { return shell('ejsonParse', JSON.stringify(value)); },
  };

  // `{{name}}` and `{{name.0.field}}`: the kernel variables the cell names, set before it runs.
  define(global, '__kv', function (path) {
    const [head, ...rest] = path.split('.');
    const kernel = global.__kernel || {};
    if (!Object.prototype.hasOwnProperty.call(kernel, head)) {
      throw new ReferenceError(`{{${head}}}: no kernel variable is named ${head}; keep one with --out ${head} on a SQL, MQL or Redis cell`);
    }
    let value = kernel[head];
    for (const part of rest) {
      if (value === null || value === undefined) {
        throw new TypeError(`{{${path}}}: ${part} cannot be read from ${value}`);
      }
      value = value[part];
    }
    return value;
  });

  // ---- printing ------------------------------------------------------------------------------
  const print = (...args) => shell('print', 'out', args);
  global.print = print;
  global.printjson = (...args) => shell('print', 'json', args);
  global.console = {
    log: print,
    info: print,
    debug: print,
    warn: (...args) => shell('print', 'err', args),
    error: (...args) => shell('print', 'err', args),
  };
  global.sleep = (ms) => shell('sleep', Number(ms) || 0);
  const refuse = (what) => function () {
    throw new Error(`${what} is not available in this kernel: a %%mql cell cannot read files or Node.js modules; define the functions you need in a cell and call them in later cells`);
  };
  global.require = refuse('require(...)');
  global.load = refuse('load(...)');
  global.quit = global.exit = function () {
    throw new Error("quit() does nothing in a notebook: restart the kernel to start a fresh session");
  };

  // ---- cursors -------------------------------------------------------------------------------
  // A cursor remembers its chain (`find(...)`, then `.sort(...)`, `.limit(...)`) until its first
  // document is asked for; then the kernel opens it and hands documents over in batches.
  const BATCH = 100;
  const MODIFIERS = ['sort', 'limit', 'skip', 'project', 'projection', 'hint', 'collation',
    'batchSize', 'maxTimeMS', 'comment', 'min', 'max', 'returnKey', 'showRecordId',
    'allowDiskUse', 'noCursorTimeout', 'allowPartialResults', 'tailable', 'readPref',
    'readConcern', 'maxScan', 'maxAwaitTimeMS', 'let'];
  const PLANNED = ['count', 'size', 'explain', 'itcount'];
  class Cursor {
    constructor(db, coll, calls, session) {
      define(this, '__db', db);
      define(this, '__session', session === undefined ? null : session);
      define(this, '__coll', coll);
      define(this, '__calls', calls);
      define(this, '__handle', null);
      define(this, '__buffer', []);
      define(this, '__done', false);
      define(this, '__closed', false);
    }
    __open() {
      if (this.__handle === null && !this.__done) {
        this.__handle = shell('cursor', this.__db, this.__coll, this.__calls, this.__session);
      }
    }
    __fill() {
      if (this.__buffer.length === 0 && !this.__done) {
        this.__open();
        const [docs, done] = shell('more', this.__handle, BATCH);
        this.__buffer = docs;
        this.__done = done;
      }
      return this.__buffer.length > 0;
    }
    hasNext() { return this.__fill(); }
    tryNext() { return this.__fill() ? this.__buffer.shift() : null; }
    next() {
      if (!this.__fill()) throw new Error('MongoCursorExhaustedError: Cursor is exhausted');
      return this.__buffer.shift();
    }
    isExhausted() { return this.__done && this.__buffer.length === 0; }
    isClosed() { return this.__closed || this.isExhausted(); }
    objsLeftInBatch() { return this.__buffer.length; }
    close() {
      if (this.__handle !== null && !this.__done) shell('close', this.__handle);
      this.__done = true;
      this.__closed = true;
      this.__buffer = [];
    }
    forEach(fn) {
      if (typeof fn !== 'function') throw new TypeError('forEach needs a function, e.g. forEach(printjson)');
      while (this.__fill()) {
        const doc = this.__buffer.shift();
        if (fn(doc) === false) break;
      }
    }
    map(fn) {
      if (typeof fn !== 'function') throw new TypeError('map needs a function, e.g. map(d => d.name)');
      const source = this;
      const mapped = Object.create(Cursor.prototype);
      for (const key of ['__db', '__coll', '__calls', '__session']) define(mapped, key, source[key]);
      define(mapped, '__source', source);
      define(mapped, '__fn', fn);
      define(mapped, '__buffer', []);
      define(mapped, '__done', false);
      define(mapped, '__handle', null);
      define(mapped, '__closed', false);
      define(mapped, '__fill', function () {
        if (this.__buffer.length === 0 && source.__fill()) {
          this.__buffer = source.__buffer.splice(0).map((d) => fn(d));
        }
        this.__done = source.isExhausted();
        return this.__buffer.length > 0;
      });
      define(mapped, 'close', () => source.close());
      return mapped;
    }
    toArray() {
      const all = [];
      while (this.__fill()) {
        for (const doc of this.__buffer.splice(0)) all.push(doc);
      }
      return all;
    }
    pretty() { return this; }
    [Symbol.iterator]() {
      return { next: () => (this.__fill() ? { value: this.__buffer.shift(), done: false } : { value: undefined, done: true }) };
    }
    toString() { return `Cursor(${this.__db}.${this.__coll})`; }
  }
  for (const name of MODIFIERS) {
    define(Cursor.prototype, name, function (...args) {
      if (this.__handle !== null || this.__source) {
        throw new Error(`MongoshInvalidInputError: Cannot call ${name}() on a cursor that has already been read from (or mapped); set options before reading documents`);
      }
      this.__calls.push([name, args]);
      return this;
    });
  }
  for (const name of PLANNED) {
    define(Cursor.prototype, name, function (...args) {
      return shell('call', this.__db, this.__coll, [...this.__calls, [name, args]], this.__session);
    });
  }
  define(global, '__Cursor', Cursor);

  // The last cursor printed, for `it`.
  let lastCursor = null;
  // What the kernel prints for a cell's last value (mongosh's batch of 20 for a cursor).
  const FINISHED = Symbol('finished');
  define(global, '__finish', function (value, keepAll) {
    if (value && value[FINISHED]) return value;
    if (value instanceof Cursor) {
      const docs = [];
      const want = keepAll ? Infinity : 20;
      while (docs.length < want && value.hasNext()) docs.push(value.next());
      const more = value.hasNext();
      lastCursor = more ? value : null;
      return { kind: 'cursor', docs, more, [FINISHED]: true };
    }
    if (value && value.__isCollection) return { kind: 'text', text: value.getFullName() };
    if (value && value.__isSession) return { kind: 'value', value: value.id };
    if (value && value.__isDatabase) return { kind: 'text', text: value.getName() };
    if (typeof value === 'function') {
      const source = Function.prototype.toString.call(value);
      const text = /^class\b/.test(source) ? `[class ${value.name || '(anonymous)'}]` : `[Function: ${value.name || '(anonymous)'}]`;
      return { kind: 'text', text };
    }
    return { kind: 'value', value };
  });
  define(global, '__it', function () {
    if (lastCursor === null) return { kind: 'none', [FINISHED]: true };
    return global.__finish(lastCursor, false);
  });
  define(global, '__hasCursor', () => lastCursor !== null);
  // `it` after a shell cell's find: the kernel hands over the find command it sent and how many
  // documents it showed; the find runs again from there, as a cursor `it` continues.
  const RESUMED = { sort: 'sort', hint: 'hint', collation: 'collation', comment: 'comment',
    maxTimeMS: 'maxTimeMS', allowDiskUse: 'allowDiskUse', let: 'let', min: 'min', max: 'max',
    returnKey: 'returnKey', showRecordId: 'showRecordId', noCursorTimeout: 'noCursorTimeout',
    batchSize: 'batchSize' };
  define(global, '__resume', function (text) {
    const { db: dbName, command, shown } = EJSON.parse(text);
    const n = Number(shown);
    const calls = [['find', command.projection === undefined ? [command.filter || {}] : [command.filter || {}, command.projection]]];
    for (const [key, value] of Object.entries(command)) {
      if (['find', 'filter', 'projection', 'skip', 'limit'].includes(key)) continue;
      if (!(key in RESUMED)) {
        throw new Error(`it: the last find cannot be continued (it was sent with '${key}'); run it in a JavaScript cell (const c = db.coll.find(...); c) to page through it with it`);
      }
      calls.push([RESUMED[key], [value]]);
    }
    calls.push(['skip', [Number(command.skip || 0) + n]]);
    if (command.limit !== undefined && Number(command.limit) !== 0) {
      const left = Math.abs(Number(command.limit)) - n;
      if (left <= 0) return { kind: 'none', [FINISHED]: true };
      calls.push(['limit', [left]]);
    }
    lastCursor = new Cursor(dbName, command.find, calls);
    return global.__it();
  });

  // ---- databases and collections -------------------------------------------------------------
  const DB_METHODS = shell('names', 'database');
  const COLLECTION_METHODS = shell('names', 'collection');
  const collections = new Map();
  // `session` is the handle of the explicit session a `session.getDatabase(...)` runs in.
  function collection(dbName, name, session) {
    session = session === undefined ? null : session;
    const full = `${dbName}.${name}`;
    const key = `${session === null ? '' : session}|${full}`;
    if (collections.has(key)) return collections.get(key);
    const target = {
      __isCollection: true,
      __session: session,
      getName: () => name,
      getFullName: () => full,
      getDB: () => database(dbName, session),
      toString: () => full,
      find: (...args) => new Cursor(dbName, name, [['find', args]], session),
      aggregate: (...args) => new Cursor(dbName, name, [['aggregate', args.length > 1 && !Array.isArray(args[0]) ? [args] : args]], session),
      explain: (verbosity) => new Proxy({}, {
        get(_, method) {
          return (...args) => shell('call', dbName, name, [['explain', verbosity === undefined ? [] : [verbosity]], [method, args]], session);
        },
      }),
      getCollection: (sub) => collection(dbName, `${name}.${sub}`, session),
      getMongo: () => database(dbName).getMongo(),
    };
    const proxy = new Proxy(target, {
      get(t, property) {
        if (typeof property !== 'string' || property in t) return t[property];
        if (property === 'then' || property.startsWith('__')) return undefined;
        if (COLLECTION_METHODS.includes(property)) {
          return (...args) => shell('call', dbName, name, [[property, args]], session);
        }
        return collection(dbName, `${name}.${property}`, session);
      },
    });
    collections.set(key, proxy);
    return proxy;
  }
  const databases = new Map();
  function database(dbName, session) {
    session = session === undefined ? null : session;
    const key = `${session === null ? '' : session}|${dbName}`;
    if (databases.has(key)) return databases.get(key);
    const target = {
      __isDatabase: true,
      __session: session,
      getName: () => dbName,
      toString: () => dbName,
      getSiblingDB: (other) => database(shell('dbName', other), session),
      getCollection: (name) => collection(dbName, shell('collName', name), session),
      aggregate: (...args) => new Cursor(dbName, null, [['aggregate', args]], session),
      getMongo: () => mongo,
      getSession: () => (session === null ? undefined : sessions.get(session)),
    };
    const proxy = new Proxy(target, {
      get(t, property) {
        if (typeof property !== 'string' || property in t) return t[property];
        if (property === 'then' || property.startsWith('__')) return undefined;
        if (DB_METHODS.includes(property)) {
          return (...args) => shell('call', dbName, null, [[property, args]], session);
        }
        return collection(dbName, property, session);
      },
    });
    databases.set(key, proxy);
    return proxy;
  }

  // ---- explicit sessions ---------------------------------------------------------------------
  // `db.getMongo().startSession(options)` as mongosh's Mongo.startSession: the kernel holds one
  // driver ClientSession per session object; its databases send every command with its lsid.
  const sessions = new Map();
  const invalidInput = (message) => {
    const error = new Error(message);
    error.name = 'MongoshInvalidInputError';
    return error;
  };
  const TRANSACTION_OPTIONS = ['readConcern', 'writeConcern', 'readPreference', 'maxCommitTimeMS'];
  const SESSION_OPTIONS = ['causalConsistency', 'snapshot', 'defaultTimeoutMS'];
  function startSession(options) {
    if (options === undefined || options === null) options = {};
    if (typeof options !== 'object' || Array.isArray(options)) {
      throw invalidInput(`[COMMON-10001] Argument at position 0 must be of type object, got ${typeof options} instead`);
    }
    // The options as mongosh hands them to the driver (and as getOptions() prints them).
    const driverOptions = {};
    const transaction = {};
    for (const key of Object.keys(options)) {
      if (options[key] === undefined) continue;
      if (TRANSACTION_OPTIONS.includes(key)) transaction[key] = options[key];
      else if (SESSION_OPTIONS.includes(key)) driverOptions[key] = options[key];
      else throw invalidInput(`startSession: unknown option '${key}' (the options are ${[...TRANSACTION_OPTIONS, ...SESSION_OPTIONS].join(', ')})`);
    }
    const ordered = {};
    if (Object.keys(transaction).length > 0) ordered.defaultTransactionOptions = transaction;
    for (const key of SESSION_OPTIONS) if (key in driverOptions) ordered[key] = driverOptions[key];
    const started = shell('session', 'start', 0, ordered);
    const handle = started.handle;
    let ended = false;
    const session = {};
    Object.defineProperty(session, 'id', { value: started.id, enumerable: true });
    define(session, '__isSession', true);
    define(session, '__handle', handle);
    define(session, 'getDatabase', (name) => {
      if (typeof name !== 'string') {
        throw invalidInput(`[COMMON-10001] Argument at position 0 must be of type string, got ${typeof name} instead`);
      }
      return database(shell('dbName', name), handle);
    });
    // The legacy mongo shell's name for `id`.
    define(session, 'getSessionId', () => started.id);
    define(session, 'endSession', () => {
      if (!ended) shell('session', 'end', handle);
      ended = true;
    });
    define(session, 'hasEnded', () => ended);
    define(session, 'getOptions', () => ordered);
    define(session, 'getClusterTime', () => shell('session', 'times', handle).clusterTime);
    define(session, 'getOperationTime', () => shell('session', 'times', handle).operationTime);
    define(session, 'advanceClusterTime', (clusterTime) => { shell('session', 'advanceClusterTime', handle, clusterTime); });
    define(session, 'advanceOperationTime', (ts) => { shell('session', 'advanceOperationTime', handle, ts); });
    define(session, 'startTransaction', (transactionOptions) => {
      shell('session', 'startTransaction', handle, transactionOptions === undefined ? {} : transactionOptions);
    });
    define(session, 'commitTransaction', () => { shell('session', 'commit', handle); });
    define(session, 'abortTransaction', () => { shell('session', 'abort', handle); });
    // The driver's withTransaction: start, run the callback, commit unless the callback ended
    // the transaction itself; a callback that throws aborts it and the error is rethrown.
    define(session, 'withTransaction', (fn, transactionOptions) => {
      if (typeof fn !== 'function') {
        throw invalidInput(`[COMMON-10001] Argument at position 0 must be of type function, got ${typeof fn} instead`);
      }
      if (transactionOptions !== undefined && (transactionOptions === null || typeof transactionOptions !== 'object')) {
        throw invalidInput(`[COMMON-10001] Argument at position 1 must be of type object, got ${typeof transactionOptions} instead`);
      }
      session.startTransaction(transactionOptions);
      let result;
      try {
        result = fn(session);
      } catch (error) {
        if (shell('session', 'times', handle).inTransaction) session.abortTransaction();
        throw error;
      }
      if (shell('session', 'times', handle).inTransaction) session.commitTransaction();
      return result;
    });
    sessions.set(handle, session);
    return session;
  }
  const mongo = {
    getDB: (other) => database(shell('dbName', other)),
    startSession,
    toString: () => 'Mongo',
  };
  define(global, '__database', database);
  define(global, '__collection', collection);
  global.use = (name) => {
    const text = shell('use', global.db ? global.db.getName() : '', String(name));
    global.db = database(String(name));
    print(text);
  };
  global.show = (what, arg) => {
    const text = shell('call', global.db.getName(), null, [['__show', [String(what), arg === undefined ? null : String(arg)]]]);
    if (text) print(text);
  };
})(globalThis);
