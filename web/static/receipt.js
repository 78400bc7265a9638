// Checks the log receipt of the record on this page, in the reader's own
// browser, so that nobody has to trust the server that sent the page:
//
//  1. the checkpoint is a signed note (c2sp.org/signed-note) signed with
//     Ed25519 by the node key shown on the page;
//  2. the checkpoint names that key's log as its origin;
//  3. the inclusion proof (RFC 9162 §2.1.3.2) leads from the hash of the
//     entry (RFC 6962: SHA-256(0x00 || entry)) to the checkpoint's root;
//  4. the entry is about this record and version.
//
// The badge says "verified by your browser" only when all four hold. All
// the words come from the page (data-* attributes), in the page's language.
(function () {
  "use strict";

  var box = document.getElementById("receipt-status");
  var dataEl = document.getElementById("receipt-data");
  var keyEl = document.getElementById("node-key");
  if (!box || !dataEl || !keyEl) {
    return;
  }
  var msgEl = box.querySelector(".msg");
  var detailEl = box.querySelector(".detail");

  function show(state, text, detail) {
    box.classList.remove("pending", "checking", "ok", "fail");
    box.classList.add(state);
    box.setAttribute("data-state", state);
    msgEl.textContent = text;
    detailEl.textContent = detail || "";
  }

  // Fail names the part of the receipt that did not check out.
  function Fail(part, why) {
    this.part = part;
    this.why = why;
  }

  var encoder = new TextEncoder();

  function fromBase64(s) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
      throw new Fail("format", "bad base64");
    }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out;
  }

  function fromHex(s) {
    var out = new Uint8Array(s.length / 2);
    for (var i = 0; i < out.length; i++) {
      out[i] = parseInt(s.substr(2 * i, 2), 16);
    }
    return out;
  }

  function concat() {
    var n = 0;
    var i;
    for (i = 0; i < arguments.length; i++) {
      n += arguments[i].length;
    }
    var out = new Uint8Array(n);
    var at = 0;
    for (i = 0; i < arguments.length; i++) {
      out.set(arguments[i], at);
      at += arguments[i].length;
    }
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) {
      return false;
    }
    var d = 0;
    for (var i = 0; i < a.length; i++) {
      d |= a[i] ^ b[i];
    }
    return d === 0;
  }

  function sha256(bytes) {
    return crypto.subtle.digest("SHA-256", bytes).then(function (b) {
      return new Uint8Array(b);
    });
  }

  // A verifier key is <name>+<hex key id>+<base64(0x01 || Ed25519 key)>.
  // The name has no "+"; the base64 part may.
  function parseKey(vkey) {
    var i = vkey.indexOf("+");
    var j = vkey.indexOf("+", i + 1);
    var parts = i < 0 || j < 0 ? [] : [vkey.slice(0, i), vkey.slice(i + 1, j), vkey.slice(j + 1)];
    if (parts.length !== 3 || parts[0] === "" || /\s/.test(parts[0]) || !/^[0-9a-f]{8}$/.test(parts[1])) {
      throw new Fail("key", "malformed verifier key");
    }
    var raw;
    try {
      raw = fromBase64(parts[2]);
    } catch (e) {
      throw new Fail("key", "malformed verifier key");
    }
    if (raw.length !== 33 || raw[0] !== 1) {
      throw new Fail("key", "not an Ed25519 key");
    }
    return { name: parts[0], id: fromHex(parts[1]), pub: raw.slice(1), alg: raw.slice(0, 1) };
  }

  // c2sp.org/tlog-proof@v1: header, optional extra line, index line,
  // base64 hashes, a blank line, then the signed checkpoint.
  function parseProof(text) {
    var header = "c2sp.org/tlog-proof@v1\n";
    if (text.indexOf(header) !== 0) {
      throw new Fail("format", "not a tlog-proof");
    }
    var rest = text.slice(header.length);
    var cut = rest.indexOf("\n\n");
    if (cut < 0) {
      throw new Fail("format", "no checkpoint");
    }
    var lines = rest.slice(0, cut).split("\n");
    var i = 0;
    if (lines[0].indexOf("extra ") === 0) {
      i++;
    }
    var m = /^index (0|[1-9][0-9]*)$/.exec(lines[i] || "");
    if (!m) {
      throw new Fail("format", "no index");
    }
    var hashes = [];
    for (var j = i + 1; j < lines.length; j++) {
      var h = fromBase64(lines[j]);
      if (h.length !== 32) {
        throw new Fail("format", "bad hash");
      }
      hashes.push(h);
    }
    if (hashes.length > 63) {
      throw new Fail("format", "too many hashes");
    }
    return { index: BigInt(m[1]), hashes: hashes, note: rest.slice(cut + 2) };
  }

  // A signed note is text ending in a newline, a blank line, and signature
  // lines "— <name> <base64(key id[4] || signature)>". The signed message
  // is the text up to and including its last newline before the blank line.
  function parseNote(note) {
    var sep = note.lastIndexOf("\n\n");
    if (sep < 0 || note.charAt(note.length - 1) !== "\n") {
      throw new Fail("format", "malformed note");
    }
    var sigs = [];
    var lines = note.slice(sep + 2, note.length - 1).split("\n");
    for (var i = 0; i < lines.length; i++) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(lines[i]);
      if (!m) {
        throw new Fail("format", "malformed signature line");
      }
      var sig;
      try {
        sig = fromBase64(m[2]);
      } catch (e) {
        throw new Fail("format", "malformed signature");
      }
      if (sig.length < 5) {
        throw new Fail("format", "short signature");
      }
      sigs.push({ name: m[1], id: sig.slice(0, 4), sig: sig.slice(4) });
    }
    return { text: note.slice(0, sep + 1), sigs: sigs };
  }

  // RFC 9162 §2.1.3.2: verify an inclusion proof.
  function rootFromProof(index, size, leaf, path) {
    if (index >= size) {
      return Promise.reject(new Fail("proof", "index beyond tree"));
    }
    var fn = index;
    var sn = size - 1n;
    var r = Promise.resolve(leaf);
    var node = new Uint8Array([1]);
    path.forEach(function (p) {
      r = r.then(function (cur) {
        if (sn === 0n) {
          throw new Fail("proof", "proof too long");
        }
        var out;
        if ((fn & 1n) === 1n || fn === sn) {
          out = sha256(concat(node, p, cur));
          if ((fn & 1n) === 0n) {
            while ((fn & 1n) === 0n && fn !== 0n) {
              fn >>= 1n;
              sn >>= 1n;
            }
          }
        } else {
          out = sha256(concat(node, cur, p));
        }
        fn >>= 1n;
        sn >>= 1n;
        return out;
      });
    });
    return r.then(function (root) {
      if (sn !== 0n) {
        throw new Fail("proof", "proof too short");
      }
      return root;
    });
  }

  function check() {
    var data = JSON.parse(dataEl.textContent);
    var shownKey = keyEl.textContent.trim();
    if (data.key !== shownKey) {
      throw new Fail("key", "the receipt names another key than the page shows");
    }
    var key = parseKey(shownKey);
    // The key id is the first four bytes of SHA-256(name || "\n" || 0x01 || key):
    // a key whose id does not match is not a key at all.
    return sha256(concat(encoder.encode(key.name + "\n"), key.alg, key.pub)).then(function (h) {
      if (!equal(h.slice(0, 4), key.id)) {
        throw new Fail("key", "key id does not match the key");
      }
      return verify(data, key);
    });
  }

  function verify(data, key) {
    var proof = parseProof(data.proof);
    if (proof.index !== BigInt(data.index)) {
      throw new Fail("format", "index mismatch");
    }
    var note = parseNote(proof.note);
    var sig = null;
    note.sigs.forEach(function (s) {
      if (s.name === key.name && equal(s.id, key.id)) {
        sig = s;
      }
    });
    if (!sig || sig.sig.length !== 64) {
      throw new Fail("signature", "no signature by this key");
    }
    var body = note.text.split("\n");
    if (body.length < 4) {
      throw new Fail("format", "short checkpoint");
    }
    if (body[0] !== key.name) {
      throw new Fail("origin", "checkpoint of another log");
    }
    if (!/^(0|[1-9][0-9]*)$/.test(body[1])) {
      throw new Fail("format", "bad tree size");
    }
    var size = BigInt(body[1]);
    var root = fromBase64(body[2]);
    if (root.length !== 32) {
      throw new Fail("format", "bad root hash");
    }
    var entry;
    try {
      entry = JSON.parse(data.entry);
    } catch (e) {
      throw new Fail("format", "entry is not JSON");
    }
    if (entry.record !== data.record || entry.version !== data.version) {
      throw new Fail("record", "the entry is about another record");
    }
    return crypto.subtle.importKey("raw", key.pub, { name: "Ed25519" }, false, ["verify"]).catch(function () {
      throw new Fail("unsupported", "no Ed25519 in WebCrypto");
    }).then(function (pub) {
      return crypto.subtle.verify({ name: "Ed25519" }, pub, sig.sig, encoder.encode(note.text));
    }).then(function (ok) {
      if (!ok) {
        throw new Fail("signature", "bad signature");
      }
      return sha256(concat(new Uint8Array([0]), encoder.encode(data.entry)));
    }).then(function (leaf) {
      return rootFromProof(proof.index, size, leaf, proof.hashes);
    }).then(function (got) {
      if (!equal(got, root)) {
        throw new Fail("proof", "the proof does not lead to the signed root");
      }
      return { origin: body[0], size: body[1] };
    });
  }

  function start() {
    if (!window.crypto || !crypto.subtle || typeof BigInt !== "function") {
      show("fail", box.getAttribute("data-unsupported"));
      return;
    }
    show("checking", box.getAttribute("data-checking"));
    var p;
    try {
      p = check();
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(function (cp) {
      var detail = box.getAttribute("data-ok-detail").replace("{size}", cp.size).replace("{origin}", cp.origin);
      show("ok", box.getAttribute("data-ok"), detail);
    }, function (e) {
      if (e instanceof Fail && e.part === "unsupported") {
        show("fail", box.getAttribute("data-unsupported"));
        return;
      }
      var part = e instanceof Fail ? e.part : "format";
      show("fail", box.getAttribute("data-fail"), box.getAttribute("data-fail-" + part) || "");
      box.setAttribute("data-part", part);
    });
  }

  start();
})();
