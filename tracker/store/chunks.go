package store

import (
	"context"
	"database/sql"
	"reflect"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// inChunk bounds the ids bound into one "IN ?" list. SQLite refuses a
// statement with more than 32,766 variables and PostgreSQL more than
// 65,535, and long lists plan badly on both, so a caller with more ids
// than this asks in several queries.
const inChunk = 500

// findIn runs q with where (which holds one "IN ?") once per chunk of ids
// and appends every row found to out. Each chunk keeps q's order; rows of
// different chunks come in the order of the chunks.
func findIn[T any](q func() *gorm.DB, where string, ids []int64, out *[]T) error {
	for start := 0; start < len(ids); start += inChunk {
		db := q().Where(where, ids[start:min(start+inChunk, len(ids))])
		scanned, err := scanRows(db, out)
		if err != nil {
			return err
		}
		if scanned {
			continue
		}
		var part []T
		if err := db.Find(&part).Error; err != nil {
			return err
		}
		*out = append(*out, part...)
	}
	return nil
}

// scanRows appends the rows db finds to out, a table's rows, scanning each
// column into its field through database/sql, and says whether it could:
// not when T is not a struct of a table's columns, nor when a value is of
// a type database/sql does not convert to its field's (SQLite's driver
// gives a date as text where a column has no declared type), which gorm's
// Find, run then instead, converts itself. Find sets each value through
// setters of its own, which cost a quarter of the CPU of reading the
// outstanding report's 50,000 actions and their updates. A NULL in a
// column whose field has no pointer leaves the field's zero value, as
// Find does.
func scanRows[T any](db *gorm.DB, out *[]T) (bool, error) {
	var zero T
	if reflect.TypeOf(zero).Kind() != reflect.Struct {
		return false, nil
	}
	sch, err := schema.Parse(&zero, &schemaCache, db.NamingStrategy)
	if err != nil {
		return false, nil
	}
	rows, err := db.Model(&zero).Rows()
	if err != nil {
		return true, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return true, err
	}
	before := len(*out)
	fields := make([]*schema.Field, len(cols))
	holders := make([]reflect.Value, len(cols))
	dest := make([]any, len(cols))
	for i, c := range cols {
		f := sch.LookUpField(c)
		if f == nil || f.DBName != c {
			dest[i] = new(any) // a column the row type does not hold
			continue
		}
		fields[i] = f
		if !nullable(f.StructField.Type) {
			holders[i] = reflect.New(reflect.PointerTo(f.StructField.Type))
			dest[i] = holders[i].Interface()
		}
	}
	for rows.Next() {
		*out = append(*out, zero)
		row := reflect.ValueOf(&(*out)[len(*out)-1]).Elem()
		for i, f := range fields {
			if f != nil && !holders[i].IsValid() {
				dest[i] = row.FieldByIndex(f.StructField.Index).Addr().Interface()
			}
		}
		if err := rows.Scan(dest...); err != nil {
			*out = (*out)[:before]
			return false, nil
		}
		for i, h := range holders {
			if h.IsValid() && !h.Elem().IsNil() {
				row.FieldByIndex(fields[i].StructField.Index).Set(h.Elem().Elem())
				h.Elem().SetZero()
			}
		}
	}
	return true, rows.Err()
}

// nullable says whether a NULL scans into a field of type t: a pointer,
// or a type that scans itself (gorm.DeletedAt).
func nullable(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer || reflect.PointerTo(t).Implements(reflect.TypeOf((*sql.Scanner)(nil)).Elem())
}

// shown starts a read of T's rows for what the pages, exports and PDFs
// show of them (their domain types): every column but when a row was
// made, deleted and last took effect, which none shows. Those are most
// of a row's times, and SQLite's driver parses each time it reads from
// text: they were a seventh of reading the outstanding report's 50,000
// actions and their latest updates.
func shown[T any](s *Store, ctx context.Context) *gorm.DB {
	return s.q(ctx).Select(shownColumns[T](s))
}

// shownColumns are the columns shown reads.
func shownColumns[T any](s *Store) []string {
	var zero T
	sch, err := schema.Parse(&zero, &schemaCache, s.db.NamingStrategy)
	if err != nil {
		return []string{"*"}
	}
	var cols []string
	for _, f := range sch.Fields {
		switch f.DBName {
		case "", "created_at", "deleted_at", "last_effective_at":
			continue
		}
		cols = append(cols, f.DBName)
	}
	return cols
}
