package postgres

// SetSearchWindows changes how many documents a search tests one by one
// before it asks the GIN index, and returns a function that restores them.
func SetSearchWindows(first, more int64) (restore func()) {
	old := searchWindows
	searchWindows = [2]int64{first, more}
	return func() { searchWindows = old }
}
