// Debian's libxml2 is built with ICU; its headers would clash with Foundation's ICU.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/xmlreader.h>
#include <libxml/parser.h>
