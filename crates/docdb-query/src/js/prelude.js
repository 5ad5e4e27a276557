// The globals mongod gives server-side JavaScript: BSON type constructors with the shell's
// methods, and the helpers its documentation uses (Array.sum, Array.avg, hex_md5 from Rust).
// Each type's prototype carries a hidden `__bsontype` tag: how values are read back as BSON.
(function (global) {
  "use strict";
  function hidden(obj, name, value) {
    Object.defineProperty(obj, name, { value: value, enumerable: false, writable: true });
  }
  function tag(ctor, name) {
    hidden(ctor.prototype, "__bsontype", name);
  }

  function ObjectId(hex) {
    if (!(this instanceof ObjectId)) return new ObjectId(hex);
    if (hex === undefined) hex = __newObjectIdHex();
    if (typeof hex !== "string" || !/^[0-9a-fA-F]{24}$/.test(hex))
      throw new TypeError("ObjectId expects a 24-character hex string");
    this.str = hex.toLowerCase();
  }
  tag(ObjectId, "ObjectId");
  ObjectId.prototype.toString = function () { return 'ObjectId("' + this.str + '")'; };
  ObjectId.prototype.toJSON = function () { return { $oid: this.str }; };
  ObjectId.prototype.valueOf = function () { return this.str; };
  ObjectId.prototype.equals = function (other) {
    return other instanceof ObjectId && other.str === this.str;
  };
  ObjectId.prototype.getTimestamp = function () {
    return new Date(parseInt(this.str.substring(0, 8), 16) * 1000);
  };

  function NumberLong(v) {
    if (!(this instanceof NumberLong)) return new NumberLong(v);
    var text = typeof v === "string" ? v : String(Math.trunc(Number(v === undefined ? 0 : v)));
    if (!/^-?[0-9]+$/.test(text)) throw new TypeError("could not convert \"" + v + "\" to NumberLong");
    hidden(this, "__v", text);
    this.floatApprox = Number(text);
  }
  tag(NumberLong, "Long");
  NumberLong.prototype.valueOf = function () { return Number(this.__v); };
  NumberLong.prototype.toNumber = NumberLong.prototype.valueOf;
  NumberLong.prototype.toString = function () {
    var n = Number(this.__v);
    return Number.isSafeInteger(n) ? "NumberLong(" + this.__v + ")" : 'NumberLong("' + this.__v + '")';
  };
  NumberLong.prototype.toJSON = function () { return { $numberLong: this.__v }; };

  function NumberInt(v) {
    if (!(this instanceof NumberInt)) return new NumberInt(v);
    hidden(this, "__v", Number(v === undefined ? 0 : v) | 0);
  }
  tag(NumberInt, "Int");
  NumberInt.prototype.valueOf = function () { return this.__v; };
  NumberInt.prototype.toNumber = NumberInt.prototype.valueOf;
  NumberInt.prototype.toString = function () { return "NumberInt(" + this.__v + ")"; };
  NumberInt.prototype.toJSON = function () { return this.__v; };

  function NumberDecimal(v) {
    if (!(this instanceof NumberDecimal)) return new NumberDecimal(v);
    hidden(this, "__v", String(v === undefined ? "0" : v));
  }
  tag(NumberDecimal, "Decimal");
  NumberDecimal.prototype.toString = function () { return 'NumberDecimal("' + this.__v + '")'; };
  NumberDecimal.prototype.toJSON = function () { return { $numberDecimal: this.__v }; };

  function BinData(subtype, base64) {
    if (!(this instanceof BinData)) return new BinData(subtype, base64);
    hidden(this, "__subtype", subtype | 0);
    hidden(this, "__base64", String(base64));
  }
  tag(BinData, "BinData");
  BinData.prototype.subtype = function () { return this.__subtype; };
  BinData.prototype.base64 = function () { return this.__base64; };
  BinData.prototype.toString = function () {
    return "BinData(" + this.__subtype + ',"' + this.__base64 + '")';
  };

  function Timestamp(t, i) {
    if (!(this instanceof Timestamp)) return new Timestamp(t, i);
    this.t = t === undefined ? 0 : t;
    this.i = i === undefined ? 0 : i;
  }
  tag(Timestamp, "Timestamp");
  Timestamp.prototype.getTime = function () { return this.t; };
  Timestamp.prototype.getInc = function () { return this.i; };
  Timestamp.prototype.toString = function () { return "Timestamp(" + this.t + ", " + this.i + ")"; };

  function MinKey() { if (!(this instanceof MinKey)) return MINKEY; }
  tag(MinKey, "MinKey");
  MinKey.prototype.toString = function () { return "MinKey"; };
  var MINKEY = new MinKey();
  function MaxKey() { if (!(this instanceof MaxKey)) return MAXKEY; }
  tag(MaxKey, "MaxKey");
  MaxKey.prototype.toString = function () { return "MaxKey"; };
  var MAXKEY = new MaxKey();

  function Code(code) {
    if (!(this instanceof Code)) return new Code(code);
    this.code = String(code);
  }
  tag(Code, "Code");
  Code.prototype.toString = function () { return this.code; };

  tag(Date, "Date");
  Object.defineProperty(Date.prototype, "__millis", {
    get: function () { return this.getTime(); },
    enumerable: false,
  });
  tag(RegExp, "RegExp");

  function ISODate(text) { return text === undefined ? new Date() : new Date(text); }

  Array.sum = function (arr) {
    if (arr.length === 0) return null;
    var s = arr[0];
    for (var i = 1; i < arr.length; i++) s += arr[i];
    return s;
  };
  Array.avg = function (arr) {
    if (arr.length === 0) return null;
    return Array.sum(arr) / arr.length;
  };
  Array.contains = function (arr, x) {
    for (var i = 0; i < arr.length; i++) if (arr[i] == x) return true;
    return false;
  };
  Array.unique = function (arr) {
    var out = [];
    for (var i = 0; i < arr.length; i++) if (!Array.contains(out, arr[i])) out.push(arr[i]);
    return out;
  };

  var names = {
    ObjectId: ObjectId, NumberLong: NumberLong, NumberInt: NumberInt,
    NumberDecimal: NumberDecimal, BinData: BinData, Timestamp: Timestamp,
    MinKey: MinKey, MaxKey: MaxKey, Code: Code, ISODate: ISODate,
    isNumber: function (x) { return typeof x === "number"; },
    isString: function (x) { return typeof x === "string"; },
    isObject: function (x) { return typeof x === "object" && x !== null; },
    // mongod writes print() to its log; here it goes nowhere.
    print: function () {},
  };
  for (var k in names) hidden(global, k, names[k]);

  // How Rust builds values (not for user code, hence hidden).
  function jsFlags(flags) {
    var out = "";
    for (var i = 0; i < flags.length; i++) if ("imsu".indexOf(flags[i]) >= 0) out += flags[i];
    return out;
  }
  hidden(global, "__bson", {
    long: function (s) { return new NumberLong(s); },
    decimal: function (s) { return new NumberDecimal(s); },
    oid: function (s) { return new ObjectId(s); },
    date: function (ms) { return new Date(ms); },
    regex: function (p, f) { return new RegExp(p, jsFlags(f)); },
    bin: function (t, b) { return new BinData(t, b); },
    ts: function (t, i) { return new Timestamp(t, i); },
    minKey: function () { return MINKEY; },
    maxKey: function () { return MAXKEY; },
    code: function (c) { return new Code(c); },
  });
})(globalThis);
