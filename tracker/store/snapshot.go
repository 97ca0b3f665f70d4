package store

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"gorm.io/gorm/schema"

	"github.com/civic-tracker/tracker/tracker"
)

// applySnapshot sets a row's fields from a rebuilt snapshot (JSON values
// keyed by column name).
func (s *Store) applySnapshot(row any, fields map[string]any) error {
	sch, err := schema.Parse(row, &schemaCache, s.db.NamingStrategy)
	if err != nil {
		return err
	}
	rv := reflect.ValueOf(row).Elem()
	for _, f := range sch.Fields {
		v, ok := fields[f.DBName]
		if !ok || notAudited[f.DBName] {
			continue
		}
		target := rv.FieldByIndex(f.StructField.Index)
		if err := setJSONValue(target, v); err != nil {
			return fmt.Errorf("field %s: %w", f.DBName, err)
		}
	}
	return nil
}

var timeType = reflect.TypeOf(time.Time{})

func setJSONValue(target reflect.Value, v any) error {
	if target.Kind() == reflect.Pointer {
		if v == nil {
			target.Set(reflect.Zero(target.Type()))
			return nil
		}
		p := reflect.New(target.Type().Elem())
		if err := setJSONValue(p.Elem(), v); err != nil {
			return err
		}
		target.Set(p)
		return nil
	}
	if v == nil {
		target.Set(reflect.Zero(target.Type()))
		return nil
	}
	if target.Type() == timeType {
		// The audit trail writes dates as tracker.ParseISODate reads them,
		// and times (created, updated) in RFC 3339.
		str, _ := v.(string)
		t, err := tracker.ParseISODate(str)
		if err != nil {
			if t, err = time.Parse(time.RFC3339Nano, str); err != nil {
				return fmt.Errorf("not a time: %v", v)
			}
		}
		target.Set(reflect.ValueOf(t.UTC()))
		return nil
	}
	// Everything else round-trips through JSON into the field's type.
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	p := reflect.New(target.Type())
	if err := json.Unmarshal(b, p.Interface()); err != nil {
		return err
	}
	target.Set(p.Elem())
	return nil
}
