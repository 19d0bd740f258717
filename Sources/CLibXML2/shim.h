// Debian's libxml2 is built with ICU; its headers would clash with Foundation's ICU.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/xmlreader.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

// libxml2 prints some errors (encoding, I/O) on stderr itself, without the file's name; the
// reader's own error handler reports them instead, with file and line.
static void hotline_xml_ignore(void *context, const char *message, ...) {
    (void)context;
    (void)message;
}

/// Keeps libxml2 from printing on stderr, in this thread and in threads created later.
static inline void hotline_xml_quiet(void) {
    static _Thread_local int done = 0;
    if (done) return;
    done = 1;
    xmlSetGenericErrorFunc(NULL, hotline_xml_ignore);
    xmlThrDefSetGenericErrorFunc(NULL, hotline_xml_ignore);
}
