# Journeys: build, run and test.
#
#   make run     install what is missing, build, migrate, publish, serve on :$(PORT)
#   make test    every test: unit, integration (real nginx), browser (Chromium)
#   make check   the same tests against an AddressSanitizer + UBSan build
#   make bench   wrk against the running stack, with nginx static as the yardstick, on an
#                empty and a filled database (BENCH_FILLED=0 skips the filled one)
#   make fuzz    libFuzzer targets for the hand-written parsers

PORT    ?= 8080
BUILD   ?= build
CC      ?= cc
SAN     ?=
PKGS    := libcurl libpcre2-8 libsodium jansson inih sqlite3 libmarkdown fcgi

OPT     ?= -O2
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wno-format-nonliteral
CFLAGS  ?= -g
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -Iinclude -MMD -MP
ifneq ($(SAN),)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# Debian packages: building, running, and the test suite.
DEB_BUILD := build-essential pkg-config libfcgi-dev libsqlite3-dev libmarkdown2-dev \
             libcurl4-openssl-dev libpcre2-dev libsodium-dev libjansson-dev libinih-dev sqlite3
DEB_RUN   := tzdata python3 python3-aiosmtpd
DEB_TEST  := chromium curl wrk clang
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

LIB_SRC  := $(sort $(wildcard src/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
INT_SRC  := $(sort $(wildcard tests/integration/test_*.c))
INT_SUP  := $(filter-out tests/integration/test_%,$(wildcard tests/integration/*.c))
INT_LIB  := $(INT_SUP:tests/integration/%.c=$(BUILD)/tests/support/%.o)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

.PHONY: all deps test-deps run test check bench fuzz clean

all: $(BUILD)/journeys

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/libjourneys.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/journeys: $(BUILD)/src/main.o $(BUILD)/libjourneys.a
	@echo "  LD $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libjourneys.a
	@mkdir -p $(@D)
	@echo "  LD $@"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libjourneys.a $(PKG_LIBS)

$(BUILD)/tests/support/%.o: tests/integration/%.c
	@mkdir -p $(@D)
	@echo "  LD $@"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/unit -Itests/integration -c -o $@ $<

$(BUILD)/tests/itest_%: tests/integration/test_%.c $(INT_LIB) $(BUILD)/libjourneys.a
	@mkdir -p $(@D)
	@echo "  LD $@"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/unit -Itests/integration $(LDFLAGS) -o $@ $< $(INT_LIB) $(BUILD)/libjourneys.a $(PKG_LIBS)

INT_BIN := $(INT_SRC:tests/integration/test_%.c=$(BUILD)/tests/itest_%)
.SECONDARY: $(INT_LIB)

# Install the Debian packages listed in $$missing (apt-get, as root or through
# sudo). apt's output goes to $(BUILD)/apt.log; the terminal gets one line,
# and the log's tail when it fails.
define apt_install
if [ -n "$$missing" ]; then mkdir -p $(BUILD); log=$(BUILD)/apt.log; \
  printf 'installing%s ... ' "$$missing"; \
  if { $(SUDO) apt-get update && \
       $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; } >$$log 2>&1; \
  then echo "done (log: $$log)"; \
  else echo "failed (log: $$log)"; tail -n 25 $$log; exit 1; fi; \
fi
endef

# Whatever Debian packages are missing for building and running (the local
# mail catcher of `make run` is aiosmtpd).
deps:
	@missing=""; for p in $(DEB_BUILD) $(DEB_RUN); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	[ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	$(apt_install)

# The test suite's packages. The browser suite's npm modules are fetched by
# tests/run.sh when it gets there, so a failed download fails only that part.
test-deps: deps
	@missing=""; for p in $(DEB_TEST); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	$(apt_install)

run: deps
	@$(MAKE) --no-print-directory all
	@PORT=$(PORT) BUILD=$(BUILD) LOCAL_SERVICES=1 sh nginx/run.sh

test: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/journeys $(UNIT_BIN) $(INT_BIN)
	@BUILD=$(BUILD) sh tests/run.sh

check:
	@$(MAKE) --no-print-directory test BUILD=build/san SAN=1 OPT=-O1

bench: deps
	@missing=""; for p in wrk sqlite3 curl; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	$(apt_install)
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh tests/bench/bench.sh

fuzz:
	@mkdir -p $(BUILD)/fuzz
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  clang -g -O1 -std=c11 -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined \
	    -o $(BUILD)/fuzz/$$n $$f $(filter-out src/server/%,$(LIB_SRC)) $(PKG_LIBS) || exit 1; \
	  mkdir -p $(BUILD)/fuzz/corpus/$$n; \
	  echo "fuzzing $$n"; $(BUILD)/fuzz/$$n -max_total_time=$${FUZZ_SECONDS:-30} -max_len=4096 \
	    $(BUILD)/fuzz/corpus/$$n tests/fuzz/corpus/$$n 2>&1 | tail -2 || exit 1; done

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/main.d
