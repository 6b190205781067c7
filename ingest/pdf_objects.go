package ingest

import (
	"reflect"

	"github.com/ledongthuc/pdf"
)

// objKey identifies a PDF object (number and generation), optionally
// qualified by a resource name.
type objKey struct {
	id   uint32
	gen  uint16
	name string
}

// objectKey reads the object number the library keeps (unexported) in a
// Value. It identifies shared fonts and catches page-tree loops; the version
// of the library is pinned, and when its layout changes ok is false and the
// callers fall back to bounded, uncached work.
func objectKey(v pdf.Value) (objKey, bool) {
	rv := reflect.ValueOf(v)
	p := rv.FieldByName("ptr")
	if !p.IsValid() || p.Kind() != reflect.Struct || p.NumField() != 2 {
		return objKey{}, false
	}
	id, gen := p.Field(0), p.Field(1)
	if !id.CanUint() || !gen.CanUint() {
		return objKey{}, false
	}
	k := objKey{id: uint32(id.Uint()), gen: uint16(gen.Uint())}
	return k, k.id != 0
}

// refKey returns the object number a dictionary entry refers to without
// resolving it (which would re-read and re-inflate the object), by reading
// the library's unexported representation; ok is false for direct values
// or if that representation changes.
func refKey(d pdf.Value, key string) (k objKey, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	m := reflect.ValueOf(d).FieldByName("data")
	if !m.IsValid() || m.Kind() != reflect.Interface || m.IsNil() {
		return k, false
	}
	m = m.Elem()
	if m.Kind() != reflect.Map || m.Type().Key().Kind() != reflect.String {
		return k, false
	}
	kv := reflect.New(m.Type().Key()).Elem()
	kv.SetString(key)
	x := m.MapIndex(kv)
	if !x.IsValid() || x.Kind() != reflect.Interface || x.IsNil() {
		return k, false
	}
	x = x.Elem()
	if x.Type().Name() != "objptr" || x.Kind() != reflect.Struct || x.NumField() != 2 {
		return k, false
	}
	id, gen := x.Field(0), x.Field(1)
	if !id.CanUint() || !gen.CanUint() {
		return k, false
	}
	k = objKey{id: uint32(id.Uint()), gen: uint16(gen.Uint()), name: "\x00ref"}
	return k, k.id != 0
}
