/*
 * highlight.c — a small tokenizer for C and Python source lines, enough to
 * colour a lesson's code: keywords, types, strings, comments, numbers,
 * preprocessor lines and the multiprocessing names a lesson maps to mp_*
 * calls. State carried between lines covers C block comments and Python
 * triple-quoted strings; nothing else spans lines in the examples.
 */
#include "highlight.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

static const char *const c_keywords[] = {
    "if", "else", "for", "while", "do", "return", "switch", "case", "default", "break",
    "continue", "goto", "sizeof", "static", "const", "struct", "enum", "union", "typedef",
    "extern", "volatile", "inline", "NULL", "true", "false", NULL};
static const char *const c_types[] = {"int", "char", "void", "double", "float", "long", "short",
                                      "unsigned", "signed", "bool", "size_t", "ssize_t", "pid_t",
                                      "uint64_t", "int64_t", "uint32_t", "int32_t", NULL};
static const char *const py_keywords[] = {
    "def", "class", "return", "if", "elif", "else", "for", "while", "in", "not", "and", "or",
    "import", "from", "as", "with", "try", "except", "finally", "raise", "pass", "break",
    "continue", "lambda", "yield", "None", "True", "False", "is", "global", "del", NULL};

/* The names of Python's multiprocessing a lesson maps to mp_* calls. */
static const char *const py_mp_names[] = {
    "multiprocessing", "Process", "Pool", "Queue", "Lock", "Pipe", "Value", "Array", "Manager",
    "apply_async", "map_async", "current_process", NULL};

static bool word_in(const char *s, int len, const char *const *words)
{
    for (size_t i = 0; words[i]; i++)
        if ((int)strlen(words[i]) == len && !strncmp(s, words[i], (size_t)len)) return true;
    return false;
}

static bool ident_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Length of the token starting at s[i] and its class. */
static int hl_token(enum hl_lang lang, const char *s, int i, int *state, enum hl_class *cls)
{
    int n = (int)strlen(s), j = i;
    if (*state == 1 || (lang == HL_C && s[i] == '/' && s[i + 1] == '*')) {
        if (*state != 1) j += 2;
        *state = 1;
        while (j < n && !(s[j] == '*' && s[j + 1] == '/')) j++;
        if (j < n) {
            j += 2;
            *state = 0;
        }
        *cls = HL_COMMENT;
        return j - i;
    }
    if ((lang == HL_C && s[i] == '/' && s[i + 1] == '/') || (lang == HL_PYTHON && s[i] == '#')) {
        *cls = HL_COMMENT;
        return n - i;
    }
    if (lang == HL_C && s[i] == '#') {
        int k = i - 1;
        while (k >= 0 && isspace((unsigned char)s[k])) k--;
        if (k < 0) {
            *cls = HL_PREPROC;
            return n - i;
        }
    }
    /* Python's triple-quoted strings may span lines: state 2 for """,
     * 3 for '''. */
    if (lang == HL_PYTHON &&
        (*state >= 2 || ((s[i] == '"' || s[i] == '\'') && s[i + 1] == s[i] && s[i + 2] == s[i]))) {
        char q = *state == 2 ? '"' : *state == 3 ? '\'' : s[i];
        if (*state < 2) j += 3;
        *state = q == '"' ? 2 : 3;
        while (j < n && !(s[j] == q && s[j + 1] == q && s[j + 2] == q)) j++;
        if (j < n) {
            j += 3;
            *state = 0;
        }
        *cls = HL_STRING;
        return j - i;
    }
    if (s[i] == '"' || s[i] == '\'') {
        char q = s[i];
        j++;
        while (j < n && s[j] != q) j += (s[j] == '\\' && j + 1 < n) ? 2 : 1;
        if (j < n) j++;
        *cls = HL_STRING;
        return j - i;
    }
    if (isdigit((unsigned char)s[i])) {
        while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '.')) j++;
        *cls = HL_NUMBER;
        return j - i;
    }
    if (ident_start(s[i])) {
        while (j < n && ident_char(s[j])) j++;
        int len = j - i;
        if (lang == HL_C && len > 3 && !strncmp(s + i, "mp_", 3))
            *cls = HL_MPCALL; /* the library calls the lesson is about */
        else if (lang == HL_PYTHON && word_in(s + i, len, py_mp_names))
            *cls = HL_MPCALL;
        else if (word_in(s + i, len, lang == HL_C ? c_keywords : py_keywords))
            *cls = HL_KEYWORD;
        else if (lang == HL_C && word_in(s + i, len, c_types))
            *cls = HL_TYPE;
        else
            *cls = HL_TEXT;
        return len;
    }
    /* Plain text up to the next thing that may start a token. */
    j++;
    while (j < n && !ident_start(s[j]) && !isdigit((unsigned char)s[j]) && s[j] != '"' &&
           s[j] != '\'' && s[j] != '/' && s[j] != '#')
        j++;
    *cls = HL_TEXT;
    return j - i;
}

size_t hl_line(enum hl_lang lang, const char *line, int *state, struct hl_span *out, size_t max)
{
    int dummy = 0;
    if (!state) state = &dummy;
    if (!line || !out || max == 0) return 0;
    int n = (int)strlen(line), i = 0;
    size_t k = 0;
    while (i < n) {
        enum hl_class cls;
        int len;
        if (k + 1 == max) { /* the last span takes the rest */
            cls = HL_TEXT;
            len = n - i;
        } else {
            len = hl_token(lang, line, i, state, &cls);
        }
        if (k > 0 && out[k - 1].cls == cls && cls == HL_TEXT) {
            out[k - 1].len += len; /* merge runs of plain text */
        } else {
            out[k].start = i;
            out[k].len = len;
            out[k].cls = cls;
            k++;
        }
        i += len;
    }
    return k;
}

const char *hl_class_name(enum hl_class c)
{
    static const char *const names[] = {"text", "keyword", "type", "string", "comment", "number", "preproc", "mpcall"};
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "?";
}

