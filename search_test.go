package accord

import (
	"reflect"
	"strings"
	"testing"
)

func TestSearchText(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"Crédit Scoring", "credit scoring"},
		{"个性化推荐算法", "个 性 化 推 荐 算 法"},
		{"AI招聘助手 v2", "ai 招 聘 助 手 v2"},
		{"نِظامُ التَّوْصِيَة", "نظام توصيه"},
		{"أداة إدارة", "اداه اداره"},
		{"L'évaluation", "l evaluation"},
		{"Ёлка", "елка"},
		{"인공지능 시스템", "인공지능 시스템"},
	}
	for _, tt := range tests {
		if got := SearchText(tt.in); got != tt.want {
			t.Errorf("SearchText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSearchTerms(t *testing.T) {
	tests := []struct {
		q    string
		want []SearchTerm
	}{
		{"推荐", []SearchTerm{{Tokens: []string{"推", "荐"}}}},
		{"Crédit score", []SearchTerm{{Tokens: []string{"credit"}, Prefix: true}, {Tokens: []string{"score"}, Prefix: true}}},
		{"推荐 算法", []SearchTerm{{Tokens: []string{"推", "荐"}}, {Tokens: []string{"算", "法"}}}},
		{"AI推荐", []SearchTerm{{Tokens: []string{"ai"}, Prefix: true}, {Tokens: []string{"推", "荐"}}}},
		{"التوصية", []SearchTerm{{Tokens: []string{"توصيه"}, Prefix: true}}},
		{"  ", nil},
		{`"quoted" OR*`, []SearchTerm{{Tokens: []string{"quoted"}, Prefix: true}, {Tokens: []string{"or"}, Prefix: true}}},
	}
	for _, tt := range tests {
		if got := SearchTerms(tt.q); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SearchTerms(%q) = %#v, want %#v", tt.q, got, tt.want)
		}
	}
	if n := len(SearchTerms(strings.Repeat("a ", 100))); n != MaxSearchTerms {
		t.Errorf("terms not capped: %d", n)
	}
}
