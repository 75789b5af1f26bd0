'use strict'
// Reads what the structural checks need from a built .node, without any tool: ELF (Linux),
// Mach-O (macOS) and PE (Windows), 64-bit little-endian only (every target built here).
//
//   format, machine       'elf' | 'macho' | 'pe'; 'x86-64' | 'aarch64'
//   exports               the names the binary exports (Mach-O names without the leading '_')
//   needed                the shared libraries it asks the loader for (DT_NEEDED, LC_LOAD_DYLIB, DLL imports)
//   glibcVersions         ELF: every GLIBC_x.y version it needs (from .gnu.version_r)
//   macho                 { filetype, minos, codeSignature, loadsDylinker, imports: { [library]: [symbol] } },
//                         where the library of a flat-namespace import is 'flat'
const fs = require('node:fs')

function readBinary(file) {
  const buf = fs.readFileSync(file)
  if (buf.length >= 4 && buf.readUInt32BE(0) === 0x7f454c46) return readElf(buf)
  if (buf.length >= 4 && buf.readUInt32LE(0) === 0xfeedfacf) return readMachO(buf)
  if (buf.length >= 2 && buf.toString('latin1', 0, 2) === 'MZ') return readPe(buf)
  throw new Error(`${file}: not an ELF, 64-bit Mach-O or PE file`)
}

function cString(buf, offset) {
  const end = buf.indexOf(0, offset)
  return buf.toString('latin1', offset, end === -1 ? buf.length : end)
}

const u64 = (buf, offset) => Number(buf.readBigUInt64LE(offset))

// ELF: https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.sheader.html and the LSB's symbol versioning.
function readElf(buf) {
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error('only 64-bit little-endian ELF is read')
  const machine = { 62: 'x86-64', 183: 'aarch64' }[buf.readUInt16LE(18)] ?? `elf-machine-${buf.readUInt16LE(18)}`
  const shoff = u64(buf, 0x28)
  const shentsize = buf.readUInt16LE(0x3a)
  const sections = []
  for (let i = 0; i < buf.readUInt16LE(0x3c); i++) {
    const at = shoff + i * shentsize
    sections.push({ type: buf.readUInt32LE(at + 4), offset: u64(buf, at + 0x18), size: u64(buf, at + 0x20), link: buf.readUInt32LE(at + 0x28) })
  }
  const strings = (section) => (offset) => cString(buf, sections[section.link].offset + offset)

  const exports = []
  for (const dynsym of sections.filter((s) => s.type === 11 /* SHT_DYNSYM */)) {
    const name = strings(dynsym)
    for (let at = dynsym.offset; at < dynsym.offset + dynsym.size; at += 24) {
      const info = buf[at + 4]
      const bind = info >> 4
      if (buf.readUInt16LE(at + 6) !== 0 /* defined */ && (bind === 1 || bind === 2) /* GLOBAL, WEAK */) exports.push(name(buf.readUInt32LE(at)))
    }
  }

  const needed = []
  for (const dynamic of sections.filter((s) => s.type === 6 /* SHT_DYNAMIC */)) {
    const name = strings(dynamic)
    for (let at = dynamic.offset; at < dynamic.offset + dynamic.size; at += 16) {
      const tag = u64(buf, at)
      if (tag === 0) break
      if (tag === 1 /* DT_NEEDED */) needed.push(name(u64(buf, at + 8)))
    }
  }

  const versions = []
  for (const verneed of sections.filter((s) => s.type === 0x6ffffffe /* SHT_GNU_verneed */)) {
    const name = strings(verneed)
    let entry = verneed.offset
    for (;;) {
      const count = buf.readUInt16LE(entry + 2)
      let aux = entry + buf.readUInt32LE(entry + 8)
      for (let i = 0; i < count; i++) {
        versions.push(name(buf.readUInt32LE(aux + 8)))
        aux += buf.readUInt32LE(aux + 12)
      }
      const next = buf.readUInt32LE(entry + 12)
      if (next === 0) break
      entry += next
    }
  }
  const glibcVersions = versions.filter((v) => v.startsWith('GLIBC_')).map((v) => v.slice('GLIBC_'.length)).filter((v) => /^\d+(\.\d+)*$/.test(v))
  return { format: 'elf', machine, exports, needed, glibcVersions }
}

// Mach-O: <mach-o/loader.h>, <mach-o/nlist.h> and <mach-o/fixup-chains.h>. Imports are read from
// what dyld reads, the bind opcodes (LC_DYLD_INFO) or the chained-fixup imports table.
function readMachO(buf) {
  const machine = { 0x01000007: 'x86-64', 0x0100000c: 'aarch64' }[buf.readUInt32LE(4)] ?? `macho-cpu-${buf.readUInt32LE(4)}`
  const filetype = buf.readUInt32LE(12)
  const libraries = []
  const commands = []
  let minos
  let codeSignature = false
  let symtab
  let dyldInfo
  let chainedFixups
  let at = 32
  for (let i = 0; i < buf.readUInt32LE(16); i++) {
    const cmd = buf.readUInt32LE(at)
    const size = buf.readUInt32LE(at + 4)
    commands.push(cmd)
    switch (cmd) {
      case 0xc: // LC_LOAD_DYLIB
      case 0x80000018: // LC_LOAD_WEAK_DYLIB
      case 0x8000001f: // LC_REEXPORT_DYLIB
      case 0x80000023: // LC_LOAD_UPWARD_DYLIB
        libraries.push(cString(buf, at + buf.readUInt32LE(at + 8)))
        break
      case 0x32: // LC_BUILD_VERSION
      case 0x24: {
        // LC_VERSION_MIN_MACOSX
        const v = buf.readUInt32LE(at + (cmd === 0x32 ? 12 : 8))
        minos = `${v >>> 16}.${(v >> 8) & 0xff}${v & 0xff ? `.${v & 0xff}` : ''}`
        break
      }
      case 0x1d: // LC_CODE_SIGNATURE
        codeSignature = true
        break
      case 0x2: // LC_SYMTAB
        symtab = { symoff: buf.readUInt32LE(at + 8), nsyms: buf.readUInt32LE(at + 12), stroff: buf.readUInt32LE(at + 16) }
        break
      case 0x22: // LC_DYLD_INFO
      case 0x80000022: // LC_DYLD_INFO_ONLY
        dyldInfo = [16, 24, 32].map((o) => ({ offset: buf.readUInt32LE(at + o), size: buf.readUInt32LE(at + o + 4) }))
        break
      case 0x80000034: // LC_DYLD_CHAINED_FIXUPS
        chainedFixups = { offset: buf.readUInt32LE(at + 8), size: buf.readUInt32LE(at + 12) }
        break
    }
    at += size
  }
  const library = (ordinal) =>
    ordinal === -2 ? 'flat' : ordinal === -1 ? 'executable' : ordinal === 0 ? 'self' : (libraries[ordinal - 1] ?? `ordinal-${ordinal}`)
  const imports = {}
  const addImport = (ordinal, name) => {
    const list = (imports[library(ordinal)] ??= [])
    if (!list.includes(name)) list.push(name)
  }
  for (const { offset, size } of dyldInfo ?? []) readBinds(buf, offset, offset + size, addImport)
  if (chainedFixups) readChainedImports(buf, chainedFixups.offset, addImport)

  const exports = []
  if (symtab) {
    for (let i = 0; i < symtab.nsyms; i++) {
      const entry = symtab.symoff + i * 16
      const type = buf[entry + 4]
      // external (N_EXT), defined in a section (N_SECT), not a debugging entry (N_STAB)
      if ((type & 0xe0) === 0 && (type & 0x01) !== 0 && (type & 0x0e) === 0x0e) {
        exports.push(cString(buf, symtab.stroff + buf.readUInt32LE(entry)).replace(/^_/, ''))
      }
    }
  }
  const loadsDylinker = commands.includes(0xe)
  return { format: 'macho', machine, exports, needed: libraries, macho: { filetype, minos, codeSignature, loadsDylinker, imports } }
}

function uleb(buf, state) {
  let result = 0n
  let shift = 0n
  for (;;) {
    const byte = buf[state.at++]
    result |= BigInt(byte & 0x7f) << shift
    shift += 7n
    if ((byte & 0x80) === 0) return result
  }
}

/** Calls add(ordinal, name) for every bind in a bind-opcode stream (bind, weak bind or lazy bind). */
function readBinds(buf, start, end, add) {
  const state = { at: start }
  let ordinal = 0
  let name = ''
  while (state.at < end) {
    const byte = buf[state.at++]
    const imm = byte & 0x0f
    switch (byte & 0xf0) {
      case 0x00: // DONE (the lazy stream has one after each entry)
      case 0x50: // SET_TYPE_IMM
      case 0xb0: // DO_BIND_ADD_ADDR_IMM_SCALED
        if ((byte & 0xf0) === 0xb0) add(ordinal, name)
        break
      case 0x10: // SET_DYLIB_ORDINAL_IMM
        ordinal = imm
        break
      case 0x20: // SET_DYLIB_ORDINAL_ULEB
        ordinal = Number(uleb(buf, state))
        break
      case 0x30: // SET_DYLIB_SPECIAL_IMM: 0, -1 (main executable), -2 (flat lookup), -3 (weak lookup)
        ordinal = imm === 0 ? 0 : (imm | 0xf0) - 0x100
        break
      case 0x40: {
        // SET_SYMBOL_TRAILING_FLAGS_IMM
        const nul = buf.indexOf(0, state.at)
        name = buf.toString('latin1', state.at, nul).replace(/^_/, '')
        state.at = nul + 1
        break
      }
      case 0x60: // SET_ADDEND_SLEB
      case 0x70: // SET_SEGMENT_AND_OFFSET_ULEB
      case 0x80: // ADD_ADDR_ULEB
        uleb(buf, state)
        break
      case 0x90: // DO_BIND
        add(ordinal, name)
        break
      case 0xa0: // DO_BIND_ADD_ADDR_ULEB
        uleb(buf, state)
        add(ordinal, name)
        break
      case 0xc0: // DO_BIND_ULEB_TIMES_SKIPPING_ULEB
        uleb(buf, state)
        uleb(buf, state)
        add(ordinal, name)
        break
      default:
        throw new Error(`unknown Mach-O bind opcode 0x${byte.toString(16)}`)
    }
  }
}

/** Calls add(ordinal, name) for every import of a chained-fixups table (DYLD_CHAINED_IMPORT formats). */
function readChainedImports(buf, base, add) {
  const importsOffset = base + buf.readUInt32LE(base + 8)
  const symbolsOffset = base + buf.readUInt32LE(base + 12)
  const count = buf.readUInt32LE(base + 16)
  const format = buf.readUInt32LE(base + 20)
  const width = { 1: 4, 2: 8, 3: 16 }[format]
  if (!width) throw new Error(`unknown chained-fixups import format ${format}`)
  for (let i = 0; i < count; i++) {
    const at = importsOffset + i * width
    const raw = format === 3 ? buf.readUInt32LE(at) : buf.readUInt32LE(at)
    const ordinalBits = format === 1 ? raw & 0xff : raw & 0xffff
    const nameOffset = format === 1 ? raw >>> 9 : buf.readUInt32LE(at + 4)
    const ordinal = format === 1 ? (ordinalBits > 0xf0 ? ordinalBits - 0x100 : ordinalBits) : ordinalBits > 0xfff0 ? ordinalBits - 0x10000 : ordinalBits
    add(ordinal, cString(buf, symbolsOffset + nameOffset).replace(/^_/, ''))
  }
}

// PE: https://learn.microsoft.com/windows/win32/debug/pe-format
function readPe(buf) {
  const pe = buf.readUInt32LE(0x3c)
  if (buf.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error('no PE signature')
  const coff = pe + 4
  const machine = { 0x8664: 'x86-64', 0xaa64: 'aarch64' }[buf.readUInt16LE(coff)] ?? `pe-machine-${buf.readUInt16LE(coff)}`
  const dll = (buf.readUInt16LE(coff + 18) & 0x2000) !== 0
  const optional = coff + 20
  if (buf.readUInt16LE(optional) !== 0x20b) throw new Error('only PE32+ is read')
  const directory = (index) => ({ rva: buf.readUInt32LE(optional + 112 + index * 8), size: buf.readUInt32LE(optional + 116 + index * 8) })
  const sectionTable = optional + buf.readUInt16LE(coff + 16)
  const sections = []
  for (let i = 0; i < buf.readUInt16LE(coff + 2); i++) {
    const s = sectionTable + i * 40
    sections.push({ va: buf.readUInt32LE(s + 12), size: Math.max(buf.readUInt32LE(s + 8), buf.readUInt32LE(s + 16)), raw: buf.readUInt32LE(s + 20) })
  }
  const offset = (rva) => {
    const s = sections.find((x) => rva >= x.va && rva < x.va + x.size)
    if (!s) throw new Error(`RVA ${rva} is in no section`)
    return rva - s.va + s.raw
  }
  const exports = []
  const exp = directory(0)
  if (exp.rva) {
    const at = offset(exp.rva)
    const names = offset(buf.readUInt32LE(at + 32))
    for (let i = 0; i < buf.readUInt32LE(at + 24); i++) exports.push(cString(buf, offset(buf.readUInt32LE(names + i * 4))))
  }
  const needed = []
  const imp = directory(1)
  if (imp.rva) {
    for (let at = offset(imp.rva); buf.readUInt32LE(at + 12) !== 0; at += 20) needed.push(cString(buf, offset(buf.readUInt32LE(at + 12))))
  }
  return { format: 'pe', machine, dll, exports, needed }
}

module.exports = { readBinary }
