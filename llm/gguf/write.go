package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/quirehq/quire/llm/ggml"
)

// Writer builds a GGUF v3 file. Metadata is held in memory; tensor bytes are
// produced by callbacks at write time, so a 7B model can be written without
// holding its weights in memory.
type Writer struct {
	kvs     []KV
	kvIndex map[string]int
	tensors []pendingTensor
	names   map[string]bool
	err     error
}

type pendingTensor struct {
	name string
	typ  ggml.Type
	dims []int
	size uint64
	data func(io.Writer) error
}

// NewWriter returns an empty Writer.
func NewWriter() *Writer {
	return &Writer{kvIndex: map[string]int{}, names: map[string]bool{}}
}

// Set adds or replaces a metadata value. value takes the Go types listed on
// KV.Value; int is stored as int32 if it fits and int64 otherwise, []int as
// []int32. An unsupported type is reported by WriteFile / WriteTo.
func (w *Writer) Set(key string, value any) {
	switch x := value.(type) {
	case int:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			value = int32(x)
		} else {
			value = int64(x)
		}
	case []int:
		v := make([]int32, len(x))
		for i, n := range x {
			if n < math.MinInt32 || n > math.MaxInt32 {
				w.setErr(fmt.Errorf("gguf: key %q: element %d (%d) does not fit in int32", key, i, n))
				return
			}
			v[i] = int32(n)
		}
		value = v
	}
	if _, err := typeOf(value, 0); err != nil {
		w.setErr(fmt.Errorf("gguf: key %q: %w", key, err))
		return
	}
	if key == "" {
		w.setErr(errors.New("gguf: empty metadata key"))
		return
	}
	if i, ok := w.kvIndex[key]; ok {
		w.kvs[i].Value = value
		return
	}
	w.kvIndex[key] = len(w.kvs)
	w.kvs = append(w.kvs, KV{Key: key, Value: value})
}

// AddTensor declares a tensor; data is called once during the write and must
// write exactly the tensor's byte size (typ.RowSize(dims[0]) per row).
func (w *Writer) AddTensor(name string, typ ggml.Type, dims []int, data func(io.Writer) error) {
	switch {
	case name == "" || len(name) >= maxNameLen:
		w.setErr(fmt.Errorf("gguf: tensor name %q must be 1 to %d bytes", name, maxNameLen-1))
		return
	case w.names[name]:
		w.setErr(fmt.Errorf("gguf: duplicate tensor %q", name))
		return
	case !typ.Known():
		w.setErr(fmt.Errorf("gguf: tensor %q: unknown ggml type %d", name, uint32(typ)))
		return
	case len(dims) == 0 || len(dims) > maxDims:
		w.setErr(fmt.Errorf("gguf: tensor %q: %d dimensions, want 1 to %d", name, len(dims), maxDims))
		return
	case dims[0]%typ.BlockSize() != 0:
		w.setErr(fmt.Errorf("gguf: tensor %q: row length %d is not a multiple of the %s block size %d", name, dims[0], typ, typ.BlockSize()))
		return
	}
	rows := uint64(1)
	for _, d := range dims {
		if d < 0 {
			w.setErr(fmt.Errorf("gguf: tensor %q: negative dimension in %v", name, dims))
			return
		}
	}
	for _, d := range dims[1:] {
		rows *= uint64(d)
	}
	w.names[name] = true
	w.tensors = append(w.tensors, pendingTensor{
		name: name, typ: typ, dims: append([]int(nil), dims...),
		size: rows * uint64(typ.RowSize(dims[0])), data: data,
	})
}

func (w *Writer) setErr(err error) {
	if w.err == nil {
		w.err = err
	}
}

func (w *Writer) alignment() (int, error) {
	i, ok := w.kvIndex[KeyAlignment]
	if !ok {
		return DefaultAlignment, nil
	}
	a, ok := w.kvs[i].Value.(uint32)
	if !ok || a == 0 || a&(a-1) != 0 {
		return 0, fmt.Errorf("gguf: %s must be a uint32 power of two, got %v", KeyAlignment, w.kvs[i].Value)
	}
	return int(a), nil
}

// WriteFile writes the file atomically: to a temporary file in the same
// folder, synced, then renamed over path.
func (w *Writer) WriteFile(path string) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("gguf: create %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("gguf: chmod %s: %w", path, err)
	}
	if _, err = w.WriteTo(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("gguf: sync %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("gguf: close %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("gguf: rename into %s: %w", path, err)
	}
	return nil
}

// WriteTo streams the whole file to dst.
func (w *Writer) WriteTo(dst io.Writer) (int64, error) {
	if w.err != nil {
		return 0, w.err
	}
	align, err := w.alignment()
	if err != nil {
		return 0, err
	}
	cw := &countingWriter{w: bufio.NewWriterSize(dst, 1<<20)}
	e := &encoder{w: cw}
	e.u32(magic)
	e.u32(3)
	e.u64(uint64(len(w.tensors)))
	e.u64(uint64(len(w.kvs)))
	for _, kv := range w.kvs {
		e.str(kv.Key)
		t, _ := typeOf(kv.Value, 0)
		e.u32(uint32(t))
		e.value(kv.Value)
	}
	offset := uint64(0)
	for _, t := range w.tensors {
		e.str(t.name)
		e.u32(uint32(len(t.dims)))
		for _, d := range t.dims {
			e.u64(uint64(d))
		}
		e.u32(uint32(t.typ))
		e.u64(offset)
		offset = alignUp(offset+t.size, uint64(align))
	}
	if e.err != nil {
		return cw.n, fmt.Errorf("gguf: write header: %w", e.err)
	}
	if len(w.tensors) > 0 {
		e.pad(align)
	}
	for _, t := range w.tensors {
		before := cw.n
		if err := t.data(cw); err != nil {
			return cw.n, fmt.Errorf("gguf: write tensor %q: %w", t.name, err)
		}
		if got := uint64(cw.n - before); got != t.size {
			return cw.n, fmt.Errorf("gguf: tensor %q: data wrote %d bytes, want %d for %s %v", t.name, got, t.size, t.typ, t.dims)
		}
		e.pad(align)
		if e.err != nil {
			return cw.n, fmt.Errorf("gguf: write tensor %q: %w", t.name, e.err)
		}
	}
	if err := cw.w.Flush(); err != nil {
		return cw.n, fmt.Errorf("gguf: write: %w", err)
	}
	return cw.n, nil
}

type countingWriter struct {
	w *bufio.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

type encoder struct {
	w   *countingWriter
	err error
	buf [8]byte
}

func (e *encoder) write(p []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(p)
	}
}

func (e *encoder) u8(v uint8)   { e.write([]byte{v}) }
func (e *encoder) u16(v uint16) { binary.LittleEndian.PutUint16(e.buf[:], v); e.write(e.buf[:2]) }
func (e *encoder) u32(v uint32) { binary.LittleEndian.PutUint32(e.buf[:], v); e.write(e.buf[:4]) }
func (e *encoder) u64(v uint64) { binary.LittleEndian.PutUint64(e.buf[:], v); e.write(e.buf[:8]) }
func (e *encoder) str(s string) { e.u64(uint64(len(s))); e.write([]byte(s)) }

func (e *encoder) pad(align int) {
	if r := int(e.w.n % int64(align)); r != 0 {
		e.write(make([]byte, align-r))
	}
}

// value encodes v without its type tag (the caller wrote it).
func (e *encoder) value(v any) {
	switch x := v.(type) {
	case uint8:
		e.u8(x)
	case int8:
		e.u8(uint8(x))
	case uint16:
		e.u16(x)
	case int16:
		e.u16(uint16(x))
	case uint32:
		e.u32(x)
	case int32:
		e.u32(uint32(x))
	case uint64:
		e.u64(x)
	case int64:
		e.u64(uint64(x))
	case float32:
		e.u32(math.Float32bits(x))
	case float64:
		e.u64(math.Float64bits(x))
	case bool:
		if x {
			e.u8(1)
		} else {
			e.u8(0)
		}
	case string:
		e.str(x)
	case []any:
		et := typeArray
		e.u32(uint32(et))
		e.u64(uint64(len(x)))
		for _, el := range x {
			e.value(el)
		}
	default:
		e.sliceValue(v)
	}
}

// sliceValue encodes a typed slice as an array: element type, count, elements.
func (e *encoder) sliceValue(v any) {
	switch x := v.(type) {
	case []uint8:
		e.arrayHeader(typeUint8, len(x))
		e.write(x)
	case []int8:
		e.arrayHeader(typeInt8, len(x))
		for _, el := range x {
			e.u8(uint8(el))
		}
	case []bool:
		e.arrayHeader(typeBool, len(x))
		for _, el := range x {
			e.value(el)
		}
	case []uint16:
		e.arrayHeader(typeUint16, len(x))
		for _, el := range x {
			e.u16(el)
		}
	case []int16:
		e.arrayHeader(typeInt16, len(x))
		for _, el := range x {
			e.u16(uint16(el))
		}
	case []uint32:
		e.arrayHeader(typeUint32, len(x))
		for _, el := range x {
			e.u32(el)
		}
	case []int32:
		e.arrayHeader(typeInt32, len(x))
		for _, el := range x {
			e.u32(uint32(el))
		}
	case []uint64:
		e.arrayHeader(typeUint64, len(x))
		for _, el := range x {
			e.u64(el)
		}
	case []int64:
		e.arrayHeader(typeInt64, len(x))
		for _, el := range x {
			e.u64(uint64(el))
		}
	case []float32:
		e.arrayHeader(typeFloat32, len(x))
		for _, el := range x {
			e.u32(math.Float32bits(el))
		}
	case []float64:
		e.arrayHeader(typeFloat64, len(x))
		for _, el := range x {
			e.u64(math.Float64bits(el))
		}
	case []string:
		e.arrayHeader(typeString, len(x))
		for _, el := range x {
			e.str(el)
		}
	}
}

func (e *encoder) arrayHeader(et valueType, n int) {
	e.u32(uint32(et))
	e.u64(uint64(n))
}

// typeOf maps a Go value to its GGUF type, checking nested arrays.
func typeOf(v any, depth int) (valueType, error) {
	switch x := v.(type) {
	case uint8:
		return typeUint8, nil
	case int8:
		return typeInt8, nil
	case uint16:
		return typeUint16, nil
	case int16:
		return typeInt16, nil
	case uint32:
		return typeUint32, nil
	case int32:
		return typeInt32, nil
	case uint64:
		return typeUint64, nil
	case int64:
		return typeInt64, nil
	case float32:
		return typeFloat32, nil
	case float64:
		return typeFloat64, nil
	case bool:
		return typeBool, nil
	case string:
		return typeString, nil
	case []uint8, []int8, []uint16, []int16, []uint32, []int32, []uint64, []int64,
		[]float32, []float64, []bool, []string:
		return typeArray, nil
	case []any:
		if depth+1 >= maxNesting {
			return 0, fmt.Errorf("arrays nested more than %d deep", maxNesting)
		}
		for i, el := range x {
			t, err := typeOf(el, depth+1)
			if err != nil {
				return 0, err
			}
			if t != typeArray {
				return 0, fmt.Errorf("[]any element %d is %T; []any may only hold arrays (use a typed slice for scalars)", i, el)
			}
		}
		return typeArray, nil
	}
	return 0, fmt.Errorf("unsupported metadata value type %T", v)
}
