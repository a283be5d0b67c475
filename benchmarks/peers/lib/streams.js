'use strict';
// Object-mode stream stages shared by the Node.js peers (the RStreams runtime's building blocks).
const { Transform } = require('stream');

// Bytes in, one string per non-empty line out; a line may span chunks.
function splitLines() {
  let carry = '';
  return new Transform({
    readableObjectMode: true,
    transform(chunk, _enc, done) {
      const text = carry + chunk.toString('utf8');
      const parts = text.split('\n');
      carry = parts.pop();
      for (const p of parts) if (p.length) this.push(p);
      done();
    },
    flush(done) {
      if (carry.length) this.push(carry);
      done();
    },
  });
}

// Applies fn to every object; an undefined result drops the object (a filter).
function objectStage(fn) {
  return new Transform({
    objectMode: true,
    transform(x, _enc, done) {
      const y = fn(x);
      if (y !== undefined) this.push(y);
      done();
    },
  });
}

module.exports = { splitLines, objectStage };
