#!/usr/bin/env bash
# bad_input.sh - the bad-input matrix: every field that ends up in a Postfix
# map or a Dovecot passwd-file, fed hostile values through the CLI nouns
# (arguments, options, the password on stdin) and through `postern import`
# (one YAML file per field with one bad entity per value, every problem
# reported at its line), against the lab with a state that was applied
# first. Each bad value must be refused: exit 1 or 2, one error line (per
# problem, for import) naming the field and the rule, no raw control byte or
# invalid UTF-8 echoed to the terminal, nothing written (no pending journal
# entry, the exported state unchanged). Values a field legitimately takes
# (a display name with spaces or UTF-8, a password with ':', "name@*") are
# accepted and shown to be rendered safely. At the end `postern apply` must
# have nothing to do and every managed file (both postern/current trees)
# and `postconf -n` must be byte for byte what they were. Cases that fail
# because of a known bug in a file outside this test's reach are marked
# "# TODO <file and why>" (see KNOWN). Uses its own state DB; leaves an empty
# state applied, as config_apply.sh does. TAP output.
set -uo pipefail
shopt -u patsub_replacement 2>/dev/null || true   # bash 5.2: '&' in ${v//x/&} is literal
if [ -z "${POSTERN_LAB:-}" ] || [ -z "${POSTERN_CONFIG:-}" ]; then
  echo "1..0 # SKIP lab not running (POSTERN_LAB/POSTERN_CONFIG unset)"; exit 0
fi
bin=${POSTERN_BIN:?}
tmp=$(mktemp -d)
cd "$tmp" || exit 1     # import problems then read "imp-FIELD.yaml:LINE:COL: ..."
n=0; failed=0
ok() { n=$((n+1)); echo "ok $n - $1${2:+ # TODO $2}"; }
notok() {
  n=$((n+1)); [ -z "${3:-}" ] && failed=$((failed+1))
  echo "not ok $n - $1${3:+ # TODO $3}"
  [ -n "${2:-}" ] && [ -f "$2" ] && LC_ALL=C sed 's/[^[:print:]]/?/g; s/^/# /' "$2" | tail -20
}
check() { local desc=$1; shift; if "$@" >"$tmp/last" 2>&1; then ok "$desc"; else notok "$desc" "$tmp/last"; fi; }

# A config of our own: same lab, own state DB.
sed "s#^state_db: .*#state_db: $tmp/state/postern.db#" "$POSTERN_CONFIG" >"$tmp/postern.yaml"
export POSTERN_CONFIG=$tmp/postern.yaml
pf=$LAB_POSTFIX_DIR
dcdir=$(dirname "$LAB_DOVECOT_CONF")
p() { "$bin" "$@"; }
cleanup() {
  # leave the lab as we found it: an empty state applied, our state DB gone
  printf 'postern_state: 1\n' | p import - --replace --yes >/dev/null 2>&1
  p apply --quiet >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

rep() { local s; printf -v s '%*s' "$2" ''; printf '%s' "${s// /$1}"; }
LOCAL65=$(rep a 65)
LABEL64="$(rep b 64).example"
DOM254="$(rep a 63).$(rep b 63).$(rep c 63).$(rep d 62)"   # 254 characters
D1=bi1.example; D2=bi2.example

# pending: journal entries not applied yet (0 when the state is applied)
pending() { p history | sed -n 's/^\([0-9]*\) changes\{0,1\} not applied yet.*/\1/p' | grep . || echo 0; }
# fingerprint: every managed file (sha256, through the current links) and postconf -n
fingerprint() {
  local d
  for d in "$pf/postern/current" "$dcdir/postern/current"; do
    echo "== $d -> $(readlink "$d")"
    (cd -P "$d" && find . -type f | LC_ALL=C sort | while read -r f; do sha256sum "$f"; done)
  done
  echo "== postconf -c $pf -n"
  postconf -c "$pf" -n
}

# ---------------------------------------------------------------- 1. a small valid state
p domain add $D1 >/dev/null && p domain add $D2 >/dev/null &&
  p domain add bir.example --relay "127.0.0.1:$LAB_REMOTE_PORT" >/dev/null
for u in ann bob; do printf 'pw-%s\n' $u | p mailbox add $u@$D1 --password-stdin >/dev/null; done
p mailbox edit ann@$D1 --forward fwd@remote.example --keep-copy --quota 64M >/dev/null
p group add team@$D1 --member ann@$D1 >/dev/null
p public add BiShared --owner user:ann@$D1 >/dev/null
p address add trio@$D1 --to user:ann@$D1 --to group:team@$D1 --to external:ext@remote.example \
  --to public:BiShared >/dev/null
p address add 'biinfo@*' --to user:bob@$D1 >/dev/null
p domain edit $D1 --catch-all ann@$D1 >/dev/null
p domain edit $D2 --bcc bob@$D1 >/dev/null
p setting set mailbox.default_spam_retention_days 30 >/dev/null
check "the state is recorded (journal entries pending)" test "$(pending)" -gt 0

# ---- values a field legitimately takes, and where they end up
# display names: free text (spaces, commas, UTF-8, shell characters, a leading
# '-', empty); only ':' and control characters are refused (below).
accepted_names=("Ann O'Brien" "Smith, John" "Zoë Ünïcødé 名前" 'a;b|c&d$(id)`x`<y>*?' "-leading dash"
                "" "$(rep n 200)" "Mallory, O'Brien; \$(id) \`x\` <y> *? Zoë")
for v in "${accepted_names[@]}"; do
  p mailbox edit ann@$D1 --name "$v" >"$tmp/last" 2>&1; rc=$?
  got=$(p --json mailbox show ann@$D1 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"], end="")')
  if [ $rc -eq 0 ] && [ "$got" = "$v" ]; then ok "display name accepted as given: $(printf '%q' "${v:0:40}")"
  else notok "display name accepted as given: $(printf '%q' "${v:0:40}")" "$tmp/last"; fi
done
# passwords: hashed, never rendered as given: any one line of 1-511 bytes
# (what libcrypt hashes) without control characters; a trailing CRLF is the
# line end.
accepted_pw=("with space" "co:lon" "com,ma" 'sh;ell|&$(id)`x`<>*?'"'" "-leading" $'bad\xc3\x28utf8'
             "$(rep p 511)" $'crlf-end\r' "se:cr,et; \$(id) \`x\` -")
for v in "${accepted_pw[@]}"; do
  printf '%s\n' "$v" | p mailbox edit bob@$D1 --password-stdin >"$tmp/last" 2>&1; rc=$?
  if [ $rc -eq 0 ]; then ok "password accepted: $(printf '%q' "${v:0:30}")"
  else notok "password accepted: $(printf '%q' "${v:0:30}")" "$tmp/last"; fi
done
final_pw="se:cr,et; \$(id) \`x\` -"

p apply >"$tmp/apply1" 2>&1; rc=$?
check "the valid state applies" test $rc -eq 0
cp "$tmp/apply1" "$tmp/last"
check "a second apply has nothing to do" bash -c "'$bin' apply | grep -q '^no changes'"
check "nothing is pending after apply" test "$(pending)" -eq 0
mgd=("$pf/postern/current/" "$dcdir/postern/current/")
check "the display name never reaches a map or passwd-file" \
  bash -c "! grep -rlF -e \"O'Brien\" -e 'Zoë' -e '\$(id)' $(printf "'%s' " "${mgd[@]}")"
check "the password never reaches a file as given" \
  bash -c "! grep -rlF -e 'se:cr,et' -e 'pw-ann' $(printf "'%s' " "${mgd[@]}")"
check "the passwd-file holds one 2-field line per mailbox (no ':' from a value)" \
  bash -c "grep -v '^#' '$dcdir/postern/current/passwd' | awk -F: 'NF != 2 { bad=1 } END { exit bad }'"
check "the wildcard address is rendered per local domain" \
  bash -c "grep -q '^biinfo@$D1 bob@$D1\$' '$pf/postern/current/virtual' && grep -q '^biinfo@$D2 bob@$D1\$' '$pf/postern/current/virtual' && ! grep -q '\\*' '$pf/postern/current/virtual'"
check "IMAP login with the password holding ':' ',' ';' '\$(' and '\`'" python3 - "$LAB_IMAP_PORT" "bob@$D1" "$final_pw" <<'PY'
import imaplib, sys, time
for attempt in range(20):
    try:
        m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); m.login(sys.argv[2], sys.argv[3]); m.logout(); sys.exit(0)
    except imaplib.IMAP4.error as e:
        err = e; time.sleep(0.5)
print("login failed:", err); sys.exit(1)
PY

fingerprint >"$tmp/fp.before" 2>&1
p export >"$tmp/state.before" 2>&1
p import "$tmp/state.before" --replace --yes >"$tmp/last" 2>&1 && p export >"$tmp/state.again" 2>>"$tmp/last"
check "export -> import --replace -> export gives the same state (IP relay host, wildcard, hashes)" \
  bash -c "diff -u '$tmp/state.before' '$tmp/state.again' && test \$('$bin' history | grep -c 'not applied yet') -eq 0"
check "the fingerprint covers both trees and main.cf" \
  bash -c "grep -q '/virtual\$' '$tmp/fp.before' && grep -q '/passwd\$' '$tmp/fp.before' && grep -q '^virtual_alias_maps' '$tmp/fp.before'"

# ---------------------------------------------------------------- 2. the matrix
# Fragments injected into a valid value. NUL only where a byte string can
# carry it (stdin, YAML); badutf8 is raw bytes (a YAML file with it is
# refused by the parser, so it gets a file of its own).
FRAGS=(CR LF CRLF TAB ESC DEL VT NUL C1 BIDI LSEP badutf8 comma colon space semicolon pipe amp
       dollar paren backtick lt gt star qmark squote)
declare -A RAW=([CR]=$'\r' [LF]=$'\n' [CRLF]=$'\r\n' [TAB]=$'\t' [ESC]=$'\e' [DEL]=$'\x7f'
  [VT]=$'\v' [C1]=$'\xc2\x85' [BIDI]=$'\xe2\x80\xae' [LSEP]=$'\xe2\x80\xa8' [badutf8]=$'\xc3\x28'
  [comma]=',' [colon]=: [space]=' ' [semicolon]=';' [pipe]='|' [amp]='&' [dollar]='$(id)'
  [paren]=')' [backtick]='`' [lt]='<' [gt]='>' [star]='*' [qmark]='?' [squote]="'")
# the same as YAML double-quoted escapes (libyaml); NUL is \0
declare -A YQ=([CR]='\r' [LF]='\n' [CRLF]='\r\n' [TAB]='\t' [ESC]='\e' [DEL]='\x7f' [VT]='\v'
  [NUL]='\0' [C1]='\N' [BIDI]='\u202E' [LSEP]='\L')

# Per kind of value: the injection template (@F@ = the fragment), the extra
# values (name=value pairs in EXN/EXV) and the fragments it legitimately takes.
template() {
  case $1 in
    domain) echo "bi@F@x.example" ;;
    host) echo "relay@F@x.example" ;;
    email) echo "a@F@b@$D1" ;;
    emaildom) echo "ab@bi1@F@x.example" ;;
    ext) echo "a@F@b@remote.example" ;;
    wild) echo "wi@F@ld@*" ;;
    public) echo "Pub@F@x" ;;
    text) echo "Ann@F@Name" ;;
    note) echo "note@F@x" ;;
    password) echo "pw@F@rd" ;;
    hash) echo '$6$sa@F@lt$hash' ;;
    size) echo "5@F@M" ;;
    days) echo "3@F@0" ;;
    port) echo "2@F@5" ;;
    skey) echo "mailbox.default@F@quota" ;;
  esac
}
extras() {
  EXN=(); EXV=()
  ex() { EXN+=("$1"); EXV+=("$2"); }
  case $1 in
    domain | host)
      ex lead-dash "-bix.example"; ex empty ""; ex label64 "$LABEL64"; ex domain254 "$DOM254"
      ex trailing-dot "bix.example."; ex two-dots "bi..example" ;;
    email | ext)
      local dom=$D1; [ "$1" = ext ] && dom=remote.example
      ex lead-dash "-ab@$dom"; ex empty ""; ex local65 "$LOCAL65@$dom"; ex domain254 "a@$DOM254"
      ex label64 "a@$LABEL64"; ex no-at "ab.$dom"; ex two-at "a@b@$dom"; ex dot-start ".ab@$dom"
      ex slash "../ab@$dom"; ex percent "a%b@$dom"; ex quoted "\"a b\"@$dom"; ex braces "a{b}@$dom" ;;
    emaildom) ;;
    wild)
      ex lead-dash "-wild@*"; ex empty ""; ex local65 "$LOCAL65@*"; ex star-star "wild@**"
      ex star-space "wild@* "; ex star-comma "wild@*,x"; ex star-label "wild@*.example"
      ex star-only "*@*" ;;
    public) ex lead-dash "-Pub"; ex empty ""; ex long65 "$LOCAL65"; ex slash "../Pub"; ex dot ".Pub" ;;
    text) ex long201 "$(rep n 201)" ;;
    note) ex long201 "$(rep n 201)" ;;
    password) ex empty ""; ex long512 "$(rep p 512)" ;;
    hash) ex empty ""; ex long513 "\$6\$$(rep h 510)"; ex plain "secret"; ex no-id "salt\$hash" ;;
    size)
      ex lead-dash "-5M"; ex minus-zero "-0"; ex plus "+5M"; ex lead-space " 5M"
      ex lead-tab $'\t5M'; ex lead-vt $'\v5M'; ex empty ""; ex huge "99999999999999999999"
      ex huge-unit "9999999999T"; ex bad-unit "5X"; ex two-units "5MM"; ex fraction "1.5M" ;;
    days)
      ex lead-dash "-30"; ex minus-zero "-0"; ex plus "+30"; ex lead-space " 30"
      ex lead-tab $'\t30'; ex lead-vt $'\v30'; ex empty ""; ex huge "99999999999999999999"
      ex fraction "1.5"; ex hex "0x1e" ;;
    port)
      ex lead-dash "-25"; ex minus-zero "-0"; ex plus "+25"; ex lead-space " 25"; ex lead-tab $'\t25'
      ex empty ""; ex zero "0"; ex too-big "65536"; ex huge "99999999999"; ex hex "0x19" ;;
    skey) ex lead-dash "-mailbox.default_quota"; ex empty ""; ex unknown "mailbox.nope" ;;
  esac
}
# fragments a kind takes (they are not cases of the matrix; see section 1)
accepts() {
  case $1 in
    text) [[ " space comma semicolon pipe amp dollar paren backtick lt gt star qmark squote " == *" $2 "* ]] ;;
    note) [[ " colon space comma semicolon pipe amp dollar paren backtick lt gt star qmark squote " == *" $2 "* ]] ;;
    password) [[ " C1 BIDI LSEP badutf8 comma colon space semicolon pipe amp dollar paren backtick lt gt star qmark squote " == *" $2 "* ]] ;;
    hash) [ "$2" = comma ] ;;   # crypt(3) strings may hold ',' ("$argon2id$v=19$m=65536,t=2,p=1$...")
    *) return 1 ;;
  esac
}
# the rule part of a message: something that says what is wrong
RULE_RE='is not valid|is not a|is empty|must not be empty|must be|needs|not allowed|contains|too long|too large|longer than|does not exist|unknown|line break|one non-empty line|expected|is missing|only a relay|invalid text|cannot'

# Known bugs outside this helper's files (cli/): those cases are reported as
# TODO, so a fix shows up as an unexpected pass. ID = "FIELD/VALUE".
declare -A KNOWN=()
todo() { local v; for v in "${@:3}"; do KNOWN[$1/$v]=$2; done; }
# (none known at the moment)

# restore: put the state of section 1 back after a case that wrote (so one
# bug does not fail every case after it); apply then has nothing to do
# unless the case changed what is rendered.
restore() {
  p import "$tmp/state.before" --replace --yes >/dev/null 2>&1
  p apply --quiet >/dev/null 2>&1
}

# judge DESC ID FIELD_RE RC ERRFILE LINES_WANT: the assertions on one refused
# value (shell builtins only: there are about two thousand cases). That
# nothing was written is checked once per field (field_written).
judge() {
  local desc=$1 id=$2 field=$3 rc=$4 errf=$5 want_lines=$6 why="" c="" LC_ALL=C
  IFS= read -r -d '' c <"$errf"
  local nl=${c//[!$'\n']/} body=${c//$'\n'/}
  [[ $rc == 1 || $rc == 2 ]] || why+="exit $rc (want 1 or 2); "
  [[ ${#nl} -eq $want_lines ]] || why+="${#nl} error lines (want $want_lines); "
  [[ $c =~ $field ]] || why+="the field ($field) is not named; "
  [[ $c =~ $RULE_RE ]] || why+="no rule given; "
  [[ $body =~ [[:cntrl:]] ]] && why+="a raw control byte reached the terminal; "
  if [[ $body == *[$'\x80'-$'\xff']* ]] && ! iconv -f UTF-8 -t UTF-8 <"$errf" >/dev/null 2>&1; then
    why+="invalid UTF-8 reached the terminal; "
  fi
  [ "$rc" -eq 0 ] && restore
  if [ -z "$why" ]; then
    ok "$desc" "${KNOWN[$id]:-}"
  else
    echo "# $why" >>"$errf"
    notok "$desc" "$errf" "${KNOWN[$id]:-}"
  fi
}
# field_written DESC: no journal entry is pending after a field's cases
field_written() {
  local after; after=$(pending)
  if [ "$after" -eq 0 ]; then ok "$1: nothing written (no journal entry pending)" "${KNOWN[$1/written]:-}"
  else notok "$1: nothing written ($after journal entries pending)" "" "${KNOWN[$1/written]:-}"; restore; fi
}

# ---- (a) the CLI: ID KIND FIELD_RE ARGS... (@V@ = the value; STDIN=@V@ puts it on stdin)
cli_cases=0
cli_one() {
  local id=$1 kind=$2 field=$3 name=$4 value=$5; shift 5
  local args=() a use_stdin=0
  for a in "$@"; do
    if [ "$a" = "STDIN=@V@" ]; then use_stdin=1; continue; fi
    args+=("${a//@V@/$value}")
  done
  if [ $use_stdin -eq 1 ]; then printf '%s\n' "$value" >"$tmp/stdin"; else printf 'pw-x\n' >"$tmp/stdin"; fi
  [ "$name" = NUL ] && printf 'pw\0rd\n' >"$tmp/stdin"
  p "${args[@]}" <"$tmp/stdin" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  cli_cases=$((cli_cases+1))
  judge "cli $id: $name refused" "$id/$name" "$field" $rc "$tmp/err" 1
}
cli_field() {
  local id=$1 kind=$2 field=$3; shift 3
  local t f v i
  t=$(template "$kind")
  for f in "${FRAGS[@]}"; do
    accepts "$kind" "$f" && continue
    if [ "$f" = NUL ]; then
      # only stdin carries a NUL byte
      [[ " $* " == *" STDIN=@V@ "* ]] && cli_one "$id" "$kind" "$field" NUL "" "$@"
      continue
    fi
    v=${t//@F@/${RAW[$f]}}
    cli_one "$id" "$kind" "$field" "$f" "$v" "$@"
  done
  extras "$kind"
  for i in "${!EXN[@]}"; do
    cli_one "$id" "$kind" "$field" "${EXN[$i]}" "${EXV[$i]}" "$@"
  done
  field_written "cli $id"
}

cli_field domain.name domain '(^|: )name: ' domain add -- @V@
cli_field domain.lookup domain '(^|: )domain: ' domain delete --yes -- @V@
cli_field domain.relay_host host 'relay_host|--relay' domain add birx.example --relay @V@
cli_field domain.relay_port port 'relay_(port|host)|--relay' domain add birx.example --relay relay.example:@V@
cli_field domain.bcc ext '(^|: )(--)?bcc: ' domain edit $D2 --bcc @V@
cli_field domain.bcc-domain emaildom '(^|: )(--)?bcc: ' domain edit $D2 --bcc @V@
cli_field domain.catch_all email 'catchall|catch-all' domain edit $D1 --catch-all @V@
cli_field mailbox.address email '(^|: )address: ' mailbox add --password-stdin -- @V@
cli_field mailbox.address-domain emaildom '(^|: )address: ' mailbox add --password-stdin -- @V@
cli_field mailbox.lookup email '(^|: )address: ' mailbox delete --yes -- @V@
cli_field mailbox.name text 'display_name|--name' mailbox edit ann@$D1 --name @V@
cli_field mailbox.password password 'password' mailbox edit bob@$D1 --password-stdin STDIN=@V@
cli_field mailbox.password-add password 'password' mailbox add pwnew@$D1 --password-stdin STDIN=@V@
cli_field mailbox.quota size 'quota' mailbox edit ann@$D1 --quota @V@
cli_field mailbox.spam_retention days 'spam.retention' mailbox edit ann@$D1 --spam-retention @V@
cli_field mailbox.forward ext 'forward' mailbox edit ann@$D1 --forward @V@
cli_field mailbox.forward-domain emaildom 'forward' mailbox edit ann@$D1 --forward @V@
cli_field group.address email '(^|: )address: ' group add --member ann@$D1 -- @V@
cli_field group.member email 'member' group edit team@$D1 --member @V@
cli_field public.name public '(^|: )name: ' public add --owner user:ann@$D1 -- @V@
cli_field public.owner-user email 'owner' public edit BiShared --owner user:@V@
cli_field public.owner-group email 'owner' public edit BiShared --owner group:@V@
cli_field address.exact email '(^|: )address: ' address add --to user:ann@$D1 -- @V@
cli_field address.exact-domain emaildom '(^|: )address: ' address add --to user:ann@$D1 -- @V@
cli_field address.wildcard wild '(^|: )address: ' address add --to user:ann@$D1 -- @V@
cli_field address.to-user email 'destination|--to' address edit trio@$D1 --to user:@V@
cli_field address.to-group email 'destination|--to' address edit trio@$D1 --to group:@V@
cli_field address.to-public public 'destination|--to' address edit trio@$D1 --to public:@V@
cli_field address.to-external ext 'destination|--to' address edit trio@$D1 --to external:@V@
cli_field address.to-external-domain emaildom 'destination|--to' address edit trio@$D1 --to external:@V@
cli_field setting.key skey '(^|: )setting: ' setting set -- @V@ 1
cli_field setting.default_quota size 'mailbox.default_quota' setting set -- mailbox.default_quota @V@
cli_field setting.default_spam_days days 'mailbox.default_spam_retention_days' setting set -- mailbox.default_spam_retention_days @V@
cli_field apply.note note 'note' apply --note @V@

# ---- (b) import: one file per field, one bad entity per value, every problem at its line
imp_cases=0
# yesc RAW: a YAML double-quoted scalar for a value without NUL (libyaml escapes)
yesc() {
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\r'/\\r}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}
  s=${s//$'\e'/\\e}; s=${s//$'\x7f'/\\x7f}; s=${s//$'\v'/\\v}; s=${s//$'\xc2\x85'/\\N}
  s=${s//$'\xe2\x80\xa8'/\\L}; s=${s//$'\xe2\x80\xae'/\\u202E}
  printf '"%s"' "$s"
}
# An entity of each YAML field: lines with @V@ (the value) and @I@ (a counter).
yaml_entity() {
  case $1 in
    domains.name) printf '  - name: @V@\n' ;;
    domains.relay_host) printf '  - name: yr@I@.example\n    delivery: relay\n    relay_host: @V@\n' ;;
    domains.relay_port) printf '  - name: yp@I@.example\n    delivery: relay\n    relay_host: relay.example\n    relay_port: @V@\n' ;;
    domains.bcc) printf '  - name: yb@I@.example\n    bcc: @V@\n' ;;
    domains.catch_all) printf '  - name: yc@I@.example\n    catch_all: @V@\n' ;;
    mailboxes.address) printf '  - address: @V@\n    password_hash: "$6$salt$hash"\n' ;;
    mailboxes.name) printf '  - address: ym@I@@%s\n    password_hash: "$6$salt$hash"\n    name: @V@\n' $D1 ;;
    mailboxes.password_hash) printf '  - address: yh@I@@%s\n    password_hash: @V@\n' $D1 ;;
    mailboxes.quota) printf '  - address: yq@I@@%s\n    password_hash: "$6$salt$hash"\n    quota: @V@\n' $D1 ;;
    mailboxes.spam_retention_days) printf '  - address: ys@I@@%s\n    password_hash: "$6$salt$hash"\n    spam_retention_days: @V@\n' $D1 ;;
    mailboxes.forwards) printf '  - address: yf@I@@%s\n    password_hash: "$6$salt$hash"\n    forwards:\n      - @V@\n' $D1 ;;
    groups.address) printf '  - address: @V@\n    members: [ann@%s]\n' $D1 ;;
    groups.members) printf '  - address: yg@I@@%s\n    members:\n      - @V@\n' $D1 ;;
    public.name) printf '  - name: @V@\n    owners: [{user: ann@%s}]\n' $D1 ;;
    public.owners-user) printf '  - name: Yo@I@\n    owners:\n      - user: @V@\n' ;;
    public.owners-group) printf '  - name: Yg@I@\n    owners:\n      - group: @V@\n' ;;
    addresses.address|addresses.wildcard) printf '  - address: @V@\n    destinations:\n      - user: ann@%s\n' $D1 ;;
    addresses.destinations-user) printf '  - address: yu@I@@%s\n    destinations:\n      - user: @V@\n' $D1 ;;
    addresses.destinations-group) printf '  - address: yv@I@@%s\n    destinations:\n      - group: @V@\n' $D1 ;;
    addresses.destinations-public) printf '  - address: yw@I@@%s\n    destinations:\n      - public: @V@\n' $D1 ;;
    addresses.destinations-external) printf '  - address: yx@I@@%s\n    destinations:\n      - external: @V@\n' $D1 ;;
    settings.key) printf '  @V@: "1"\n' ;;
  esac
}
section_of() { local s=${1%%.*}; echo "$s"; }
field_of() {   # the field name the problem must carry
  case $1 in
    *-user | *-group | *-public | *-external) echo "${1%-*}" ;;
    addresses.wildcard) echo addresses.address ;;
    settings.key) echo settings ;;
    *) echo "$1" ;;
  esac
}

# import_field YFIELD KIND: the combined file; badutf8 in a file of its own
import_field() {
  local yf=$1 kind=$2 t f v i=0 line=2 entity val_off names=() lines=()
  local file=imp-$yf.yaml field; field=$(field_of "$yf")
  t=$(template "$kind")
  printf 'postern_state: 1\n%s:\n' "$(section_of "$yf")" >"$file"
  add_entity() {   # NAME YAMLVALUE
    i=$((i+1))
    entity=$(yaml_entity "$yf")
    entity=${entity//@I@/$i}
    val_off=$(printf '%s\n' "$entity" | grep -n '@V@' | cut -d: -f1)
    entity=${entity//@V@/$2}
    printf '%s\n' "$entity" >>"$file"
    names+=("$1"); lines+=($((line + val_off)))
    line=$((line + $(printf '%s\n' "$entity" | wc -l)))
  }
  for f in "${FRAGS[@]}"; do
    accepts "$kind" "$f" && continue
    [ "$f" = badutf8 ] && continue
    # control characters as YAML escapes, the printable ones as they are
    local q; q=$(yesc "$t")
    if [ -n "${YQ[$f]:-}" ]; then v=${q//@F@/${YQ[$f]}}; else v=$(yesc "${t//@F@/${RAW[$f]}}"); fi
    add_entity "$f" "$v"
  done
  extras "$kind"
  local k
  for k in "${!EXN[@]}"; do add_entity "${EXN[$k]}" "$(yesc "${EXV[$k]}")"; done
  p import "$file" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  local after; after=$(pending)
  [ "$after" -eq 0 ] || restore
  for k in "${!names[@]}"; do
    imp_cases=$((imp_cases+1))
    local id="import:$yf/${names[$k]}" desc="import $yf: ${names[$k]} refused at line ${lines[$k]}"
    local why=""
    grep -Eq "^$file:${lines[$k]}:[0-9]+: $field(\\.[a-z_]+)?: " "$tmp/err" ||
      why="no problem naming $field at line ${lines[$k]}"
    if [ -z "$why" ] && ! grep -E "^[^:]*:${lines[$k]}:" "$tmp/err" | grep -Eq -- "$RULE_RE"; then why="no rule"; fi
    if [ -z "$why" ]; then ok "$desc" "${KNOWN[$id]:-}"; else
      cp "$tmp/err" "$tmp/last"; echo "# $why" >>"$tmp/last"; notok "$desc" "$tmp/last" "${KNOWN[$id]:-}"; fi
  done
  # the file as a whole: exit 1, every problem on its own line, nothing written
  local nprob; nprob=$(grep -Ec "^imp-$yf\.yaml:[0-9]+:[0-9]+: " "$tmp/err")
  local why=""
  [ $rc -eq 1 ] || why+="exit $rc; "
  [ "$nprob" -ge "${#names[@]}" ] || why+="$nprob problems for ${#names[@]} bad entities; "
  grep -q "nothing was written" "$tmp/err" || why+="no 'nothing was written'; "
  [ "$(grep -vEc "^imp-$yf\.yaml:[0-9]+:[0-9]+: |^postern: import: " "$tmp/err")" -eq 0 ] || why+="stray lines; "
  if tr -d '\n' <"$tmp/err" | LC_ALL=C grep -q '[[:cntrl:]]'; then why+="a raw control byte reached the terminal; "; fi
  [ "$after" -eq 0 ] || why+="$after journal entries written; "
  if [ -z "$why" ]; then ok "import $yf: ${#names[@]} bad entities, $nprob problems, nothing written"
  else cp "$tmp/err" "$tmp/last"; echo "# $why" >>"$tmp/last"; notok "import $yf: the file is refused as a whole" "$tmp/last"; fi
  # invalid UTF-8: raw bytes, refused by the parser at their line
  if ! accepts "$kind" badutf8; then
    local bf=imp-$yf-utf8.yaml
    entity=$(yaml_entity "$yf"); entity=${entity//@I@/u}
    val_off=$(printf '%s\n' "$entity" | grep -n '@V@' | cut -d: -f1)
    entity=${entity//@V@/$(yesc "${t//@F@/${RAW[badutf8]}}")}
    printf 'postern_state: 1\n%s:\n%s\n' "$(section_of "$yf")" "$entity" >"$bf"
    p import "$bf" >"$tmp/out" 2>"$tmp/err"; rc=$?
    imp_cases=$((imp_cases+1))
    judge "import $yf: invalid UTF-8 refused at line $((2 + val_off))" "import:$yf/badutf8" \
      "^imp-$yf-utf8\.yaml:$((2 + val_off)):[0-9]+: " $rc "$tmp/err" 2
  fi
  field_written "import $yf"
}

import_field domains.name domain
import_field domains.relay_host host
import_field domains.relay_port port
import_field domains.bcc ext
import_field domains.catch_all email
import_field mailboxes.address email
import_field mailboxes.name text
import_field mailboxes.password_hash hash
import_field mailboxes.quota size
import_field mailboxes.spam_retention_days days
import_field mailboxes.forwards ext
import_field groups.address email
import_field groups.members email
import_field public.name public
import_field public.owners-user email
import_field public.owners-group email
import_field addresses.address email
import_field addresses.wildcard wild
import_field addresses.destinations-user email
import_field addresses.destinations-group email
import_field addresses.destinations-public public
import_field addresses.destinations-external ext
import_field settings.key skey

# settings values: one key once per file, so one file per value
import_setting() {
  local key=$1 kind=$2 t f v file=imp-setting.yaml
  t=$(template "$kind")
  one() {
    printf 'postern_state: 1\nsettings:\n  %s: %s\n' "$key" "$2" >"$file"
    p import "$file" >"$tmp/out" 2>"$tmp/err"; local rc=$?
    imp_cases=$((imp_cases+1))
    judge "import settings.$key: $1 refused at line 3" "import:settings.$key/$1" \
      "^imp-setting\.yaml:3:[0-9]+: ($key|invalid text)" $rc "$tmp/err" 2
  }
  for f in "${FRAGS[@]}"; do
    if [ "$f" = badutf8 ]; then one "$f" "$(yesc "${t//@F@/${RAW[$f]}}")"; continue; fi
    local q; q=$(yesc "$t")
    if [ -n "${YQ[$f]:-}" ]; then v=${q//@F@/${YQ[$f]}}; else v=$(yesc "${t//@F@/${RAW[$f]}}"); fi
    one "$f" "$v"
  done
  extras "$kind"
  local k
  for k in "${!EXN[@]}"; do one "${EXN[$k]}" "$(yesc "${EXV[$k]}")"; done
  field_written "import settings.$key"
}
import_setting mailbox.default_quota size
import_setting mailbox.default_spam_retention_days days

# raw bytes the YAML parser refuses before any field is read
raw_case() {   # NAME BYTES-FOR-printf
  local file=imp-raw.yaml
  printf "postern_state: 1\ndomains:\n  - name: $2\n" >"$file"
  p import "$file" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  imp_cases=$((imp_cases+1))
  judge "import: raw $1 in a plain scalar refused at line 3" "import:raw/$1" \
    '^imp-raw\.yaml:3:[0-9]+: ' $rc "$tmp/err" 2
}
raw_case NUL 'bi\0x.example'
raw_case ESC 'bi\033x.example'
raw_case DEL 'bi\177x.example'
raw_case TAB 'bi\tx.example'
raw_case VT 'bi\vx.example'
raw_case badutf8 'bi\303\050x.example'
raw_case CR-in-quotes '"bi\rx.example"'
field_written "import of raw bytes"
# stdin import, and --replace: a refused file must not wipe the state
printf 'postern_state: 1\nmailboxes:\n  - address: "a\\r\\nb@%s"\n' $D1 >"$tmp/imp-stdin.yaml"
p import - <"$tmp/imp-stdin.yaml" >"$tmp/out" 2>"$tmp/err"; rc=$?
imp_cases=$((imp_cases+1))
judge "import - (stdin): CRLF in an address refused at line 3" "import:stdin/CRLF" '^stdin:3:[0-9]+: mailboxes\.address: ' $rc "$tmp/err" 2
printf 'postern_state: 1\ndomains:\n  - name: "ok.example"\n  - name: "bad\\nx.example"\n' >"$tmp/imp-replace.yaml"
p import imp-replace.yaml --replace --yes >"$tmp/out" 2>"$tmp/err"; rc=$?
imp_cases=$((imp_cases+1))
judge "import --replace with a bad entity: refused, nothing removed" "import:replace/LF" '^imp-replace\.yaml:4:[0-9]+: domains\.name: ' $rc "$tmp/err" 2
field_written "import from stdin and with --replace"

# ---------------------------------------------------------------- 3. nothing changed
p export >"$tmp/state.after" 2>&1
diff -u "$tmp/state.before" "$tmp/state.after" >"$tmp/last"
check "the exported state is unchanged after the matrix" test $? -eq 0
p apply >"$tmp/apply2" 2>&1; rc=$?
cp "$tmp/apply2" "$tmp/last"
check "apply after the matrix reports no changes" bash -c "test $rc -eq 0 && grep -q '^no changes' '$tmp/apply2'"
fingerprint >"$tmp/fp.after" 2>&1
diff -u "$tmp/fp.before" "$tmp/fp.after" >"$tmp/last"
check "no managed file and no main.cf parameter changed (diff of the fingerprints)" test $? -eq 0

echo "# cases: $cli_cases through the CLI, $imp_cases through import"
echo "1..$n"
exit $((failed > 0))
