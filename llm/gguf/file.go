package gguf

import (
	"fmt"
	"os"
)

// Open maps the GGUF file at path into memory read-only and parses it.
// Tensor data are views into the mapping: they stay valid until Close.
func Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: open model: %w", err)
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("gguf: stat %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("gguf: %s is not a regular file", path)
	}
	if st.Size() < headerBytes {
		return nil, fmt.Errorf("gguf: %s: %w: %d bytes is too short for a GGUF header", path, ErrFormat, st.Size())
	}
	data, unmap, err := mapFile(fd, st.Size())
	if err != nil {
		return nil, fmt.Errorf("gguf: map %s: %w", path, err)
	}
	f, err := Parse(data)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("gguf: %s: %w", path, err)
	}
	f.unmap = unmap
	return f, nil
}

// Close releases the file mapping; tensor Data must not be used afterwards.
// Closing a File from Parse, or closing twice, is a no-op.
func (f *File) Close() error {
	if f.unmap == nil {
		return nil
	}
	err := f.unmap()
	f.unmap = nil
	for i := range f.Tensors {
		f.Tensors[i].Data = nil
	}
	return err
}

// Tensor finds a tensor by name.
func (f *File) Tensor(name string) (*Tensor, bool) {
	i, ok := f.tIndex[name]
	if !ok {
		return nil, false
	}
	return &f.Tensors[i], true
}

// Value returns the metadata value stored under key.
func (f *File) Value(key string) (any, bool) {
	i, ok := f.kvIndex[key]
	if !ok {
		return nil, false
	}
	return f.KVs[i].Value, true
}

// String returns a string value.
func (f *File) String(key string) (string, bool) {
	v, _ := f.Value(key)
	s, ok := v.(string)
	return s, ok
}

// Uint returns an integer value of any width as uint64; negative values
// are reported as absent.
func (f *File) Uint(key string) (uint64, bool) {
	v, _ := f.Value(key)
	switch x := v.(type) {
	case uint8:
		return uint64(x), true
	case uint16:
		return uint64(x), true
	case uint32:
		return uint64(x), true
	case uint64:
		return x, true
	case int8:
		return uint64(x), x >= 0
	case int16:
		return uint64(x), x >= 0
	case int32:
		return uint64(x), x >= 0
	case int64:
		return uint64(x), x >= 0
	}
	return 0, false
}

// Float returns a numeric value of any type as float64.
func (f *File) Float(key string) (float64, bool) {
	v, _ := f.Value(key)
	switch x := v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	if u, ok := f.Uint(key); ok {
		return float64(u), true
	}
	switch x := v.(type) {
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// Bool returns a bool value.
func (f *File) Bool(key string) (bool, bool) {
	v, _ := f.Value(key)
	b, ok := v.(bool)
	return b, ok
}

// Strings returns an array of strings.
func (f *File) Strings(key string) ([]string, bool) {
	v, _ := f.Value(key)
	s, ok := v.([]string)
	return s, ok
}

// Float32s returns an array of float32.
func (f *File) Float32s(key string) ([]float32, bool) {
	v, _ := f.Value(key)
	s, ok := v.([]float32)
	return s, ok
}

// Int32s returns an array of int32.
func (f *File) Int32s(key string) ([]int32, bool) {
	v, _ := f.Value(key)
	s, ok := v.([]int32)
	return s, ok
}
