package store

import "gorm.io/gorm"

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
		var part []T
		if err := q().Where(where, ids[start:min(start+inChunk, len(ids))]).Find(&part).Error; err != nil {
			return err
		}
		*out = append(*out, part...)
	}
	return nil
}
