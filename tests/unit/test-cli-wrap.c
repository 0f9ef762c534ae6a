/* cli-wrap against Python 3.11's textwrap.fill(): each case is a text, a
 * width and what textwrap printed (hyphenated words, em-dashes, long words
 * broken after a hyphen, tabs, white space dropped at line ends, UTF-8),
 * generated on Debian 12; random texts from a small alphabet among them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "cli/cli-wrap.h"
#include "core/util.h"

static const struct {
    const char *text;
    size_t width;
    const char *want;
} cases[] = {
    {"ip_address='172.17.0.0', "
     "subnet_id='ef7c7472-0b1d-497f-bc86-889a5c6ae52c'",
     1,
     "i\np\n_\na\nd\nd\nr\ne\ns\ns\n=\n'\n1\n7\n2\n.\n1\n7\n.\n0\n.\n0\n'\n,"
     "\ns\nu\nb\nn\ne\nt\n_\ni\nd\n=\n'\ne\nf\n7\nc\n7\n4\n7\n2\n-"
     "\n0\nb\n1\nd\n-\n4\n9\n7\nf\n-\nb\nc\n8\n6\n-"
     "\n8\n8\n9\na\n5\nc\n6\na\ne\n5\n2\nc\n'"},
    {"ip_address='172.17.0.0', "
     "subnet_id='ef7c7472-0b1d-497f-bc86-889a5c6ae52c'",
     5,
     "ip_ad\ndress\n='172\n.17.0\n.0', "
     "\nsubne\nt_id=\n'ef7c\n7472-\n0b1d-\n497f-\nbc86-\n889a5\nc6ae5\n2c'"},
    {"ip_address='172.17.0.0', "
     "subnet_id='ef7c7472-0b1d-497f-bc86-889a5c6ae52c'",
     16,
     "ip_address='172.\n17.0.0', "
     "subnet_\nid='ef7c7472-\n0b1d-497f-bc86-\n889a5c6ae52c'"},
    {"dhcpd3377d3c-a0d1-5d71-9947-f17125c357bb-85f372ef-f39a-42bb-a06b-"
     "9f9ed8e4e58e",
     1,
     "d\nh\nc\np\nd\n3\n3\n7\n7\nd\n3\nc\n-\na\n0\nd\n1\n-\n5\nd\n7\n1\n-"
     "\n9\n9\n4\n7\n-\nf\n1\n7\n1\n2\n5\nc\n3\n5\n7\nb\nb\n-"
     "\n8\n5\nf\n3\n7\n2\ne\nf\n-\nf\n3\n9\na\n-\n4\n2\nb\nb\n-\na\n0\n6\nb\n-"
     "\n9\nf\n9\ne\nd\n8\ne\n4\ne\n5\n8\ne"},
    {"dhcpd3377d3c-a0d1-5d71-9947-f17125c357bb-85f372ef-f39a-42bb-a06b-"
     "9f9ed8e4e58e",
     5,
     "dhcpd\n3377d\n3c-\na0d1-\n5d71-\n9947-\nf1712\n5c357\nbb-\n85f37\n2ef-"
     "\nf39a-\n42bb-\na06b-\n9f9ed\n8e4e5\n8e"},
    {"dhcpd3377d3c-a0d1-5d71-9947-f17125c357bb-85f372ef-f39a-42bb-a06b-"
     "9f9ed8e4e58e",
     16,
     "dhcpd3377d3c-\na0d1-5d71-9947-\nf17125c357bb-\n85f372ef-f39a-\n42bb-"
     "a06b-\n9f9ed8e4e58e"},
    {"bound_drivers.0='openvswitch', bridge_name='br-int', connectivity='l2', "
     "datapath_type='system'",
     1,
     "b\no\nu\nn\nd\n_\nd\nr\ni\nv\ne\nr\ns\n.\n0\n=\n'"
     "\no\np\ne\nn\nv\ns\nw\ni\nt\nc\nh\n'\n,\nb\nr\ni\nd\ng\ne\n_"
     "\nn\na\nm\ne\n=\n'\nb\nr\n-\ni\nn\nt\n'\n,"
     "\nc\no\nn\nn\ne\nc\nt\ni\nv\ni\nt\ny\n=\n'\nl\n2\n'\n,"
     "\nd\na\nt\na\np\na\nt\nh\n_\nt\ny\np\ne\n=\n'\ns\ny\ns\nt\ne\nm\n'"},
    {"bound_drivers.0='openvswitch', bridge_name='br-int', connectivity='l2', "
     "datapath_type='system'",
     5,
     "bound\n_driv\ners.0\n='ope\nnvswi\ntch',\nbridg\ne_nam\ne='br\n-\nint',"
     "\nconne\nctivi\nty='l\n2', d\natapa\nth_ty\npe='s\nystem\n'"},
    {"bound_drivers.0='openvswitch', bridge_name='br-int', connectivity='l2', "
     "datapath_type='system'",
     16,
     "bound_drivers.0=\n'openvswitch',\nbridge_name='br-\nint', "
     "connectivi\nty='l2', datapat\nh_type='system'"},
    {"well-known self-referential x-ray --option a--b -- c", 1,
     "w\ne\nl\nl\n-\nk\nn\no\nw\nn\ns\ne\nl\nf\n-"
     "\nr\ne\nf\ne\nr\ne\nn\nt\ni\na\nl\nx\n-\nr\na\ny\n-\n-"
     "\no\np\nt\ni\no\nn\na\n-\n-\nb\n-\n-\nc"},
    {"well-known self-referential x-ray --option a--b -- c", 5,
     "well-\nknown\nself-\nrefer\nentia\nl\nx-ray\n--opt\nion a\n--b\n-- c"},
    {"well-known self-referential x-ray --option a--b -- c", 16,
     "well-known self-\nreferential\nx-ray --option a\n--b -- c"},
    {"   leading", 1, " \nl\ne\na\nd\ni\nn\ng"},
    {"   leading", 5, "   le\nading"},
    {"   leading", 16, "   leading"},
    {"trailing   ", 1, "t\nr\na\ni\nl\ni\nn\ng"},
    {"trailing   ", 5, "trail\ning"},
    {"trailing   ", 16, "trailing"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1,
     "a\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\n"
     "a\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\na\n"
     "a\na"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 5,
     "aaaaa\naaaaa\naaaaa\naaaaa\naaaaa\naaaaa\naaaaa\naaaaa\naaaaa\naaaaa"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 16,
     "aaaaaaaaaaaaaaaa\naaaaaaaaaaaaaaaa\naaaaaaaaaaaaaaaa\naa"},
    {"------------------------------", 1,
     "-\n-\n-\n-\n-\n-\n-\n-\n-\n-\n-\n-\n-\n-\n-\n-\n-\n-\n-\n-\n-\n-\n-\n-"
     "\n-\n-\n-\n-\n-\n-"},
    {"------------------------------", 5,
     "-----\n-----\n-----\n-----\n-----\n-----"},
    {"------------------------------", 16, "----------------\n--------------"},
    {"   ", 1, ""},
    {"   ", 5, ""},
    {"   ", 16, ""},
    {"", 1, ""},
    {"", 5, ""},
    {"", 16, ""},
    {"co-op re-enter e-mail A-B-C-D ab-cd-ef x-y", 1,
     "c\no\n-\no\np\nr\ne\n-\ne\nn\nt\ne\nr\ne\n-\nm\na\ni\nl\nA\n-\nB\n-"
     "\nC\n-\nD\na\nb\n-\nc\nd\n-\ne\nf\nx\n-\ny"},
    {"co-op re-enter e-mail A-B-C-D ab-cd-ef x-y", 5,
     "co-op\nre-\nenter\ne-\nmail\nA-B-\nC-D\nab-\ncd-ef\nx-y"},
    {"co-op re-enter e-mail A-B-C-D ab-cd-ef x-y", 16,
     "co-op re-enter\ne-mail A-B-C-D\nab-cd-ef x-y"},
    {"word\ttab\tstop", 1, "w\no\nr\nd\nt\na\nb\ns\nt\no\np"},
    {"word\ttab\tstop", 5, "word\ntab\nstop"},
    {"word\ttab\tstop", 16, "word    tab\nstop"},
    {"43bf8dcc-083a-4c61-8d5f-bd6c7e763e5b", 1,
     "4\n3\nb\nf\n8\nd\nc\nc\n-\n0\n8\n3\na\n-\n4\nc\n6\n1\n-\n8\nd\n5\nf\n-"
     "\nb\nd\n6\nc\n7\ne\n7\n6\n3\ne\n5\nb"},
    {"43bf8dcc-083a-4c61-8d5f-bd6c7e763e5b", 5,
     "43bf8\ndcc-\n083a-\n4c61-\n8d5f-\nbd6c7\ne763e\n5b"},
    {"43bf8dcc-083a-4c61-8d5f-bd6c7e763e5b", 16,
     "43bf8dcc-083a-\n4c61-8d5f-\nbd6c7e763e5b"},
    {"9,bZy1.qbx-bZ!!Z-Zy!", 2, "9,\nbZ\ny1\n.q\nbx\n-b\nZ!\n!Z\n-Z\ny!"},
    {"q1-qbqq,b-by9 !9y1q y-1qq-.1yZqb---\303\251y!_\tq\t. ---Zq x\303\251_",
     24,
     "q1-qbqq,b-by9 !9y1q\ny-1qq-.1yZqb---\303\251y!_ q\n. ---Zq x\303\251_"},
    {" --Z1x!-_9\303\251!bZyq__.--\303\251q\tZZ \303\251Zb", 24,
     " --Z1x!-_9\303\251!bZyq__.--\303\251q\nZZ \303\251Zb"},
    {" q\t ,.a\t.---1\303\251b- 9-,,\303\251Z-\t,y 9!y !.,-9Z-9--a\303\251q",
     6,
     " q\n,.a\n.---\n1\303\251b- 9\n-,,\303\251Z-\n,y "
     "9!y\n!.,-\n9Z-9--\na\303\251q"},
    {" a9!y.--q_9x--b\ty,", 13, " a9!y.--q_9x\n--b y,"},
    {",1\303\251,b-Z-\t-1_--b1aq9y1.--aZ-", 20,
     ",1\303\251,b-Z-        -1_\n--b1aq9y1.--aZ-"},
    {"9 .--.\303\25111\303\251\t\303\251\303\251 Z91_ \303\251-xa-x", 12,
     "9 .--.\303\25111\303\251\n\303\251\303\251 Z91_\n\303\251-xa-x"},
    {"yax Z x.-", 12, "yax Z x.-"},
    {"-yyx_-----,--x\303\251.aa \303\251 "
     "---.\t..Z-1-\303\251-_-\303\251----a\303\251.Z1,-\303\251-!_Z",
     24,
     "-yyx_-----,--x\303\251.aa \303\251\n---.       "
     "..Z-1-\303\251-_-\303\251\n----a\303\251.Z1,-\303\251-!_Z"},
    {"\t,Z--9a9q\t9----\303\251.9yy9aa1x9!", 7,
     " ,Z--\n9a9q\n9----\303\251.\n9yy9aa1\nx9!"},
    {"-a - x-q_ y!9b.\tqx!x9y9xxa\t---a9-9\303\251--1yb_xxy\303\2511yb-- b1x",
     15,
     "-a - x-q_ "
     "y!9b.\nqx!x9y9xxa\n---a9-9\303\251--\n1yb_xxy\303\2511yb--\nb1x"},
    {"aZ\t_--x--x- \txy\303\251x-x y-\t9!1,\t_Z-!Z- 19", 23,
     "aZ      _--x--x-\nxy\303\251x-x y-       9!1,\n_Z-!Z- 19"},
    {".9 9\t-1,\303\251---!x,_!-._Z.a_y\t\ta,_x-- xZ1-1Z  ", 2,
     ".9\n9\n-1\n,\303\251\n--\n-!\nx,\n_!\n-.\n_Z\n.a\n_y\na,\n_x\n--\nxZ\n1-"
     "\n1Z"},
    {"- 9! ,9yxq\303\251_Z b-!Z aZ Z---Z 1\ta_y! --9bx-1- b--  x- \tx- .a ", 2,
     "-\n9!\n,9\nyx\nq\303\251\n_Z\nb-\n!Z\naZ\nZ-\n--\nZ\n1\na_\ny!\n--"
     "\n9b\nx-\n1-\nb-\n-\nx-\nx-\n.a"},
    {"", 1, ""},
    {"xy-x\303\251-\t1!\303\251y,x --_-9,.b9aZ !-bZ,x --- b\t-- \ta ._", 18,
     "xy-x\303\251-  1!\303\251y,x\n--_-9,.b9aZ !-bZ,x\n--- b --      a ._"},
    {"-b -.-a_,Z\303\251 x--xaZ Z", 5, "-b -.\n-a_,Z\n\303\251 x--\nxaZ Z"},
    {"qb,a  -Zqx9--,_\303\2519 --9bx!x9x", 25,
     "qb,a  -Zqx9--,_\303\2519\n--9bx!x9x"},
    {"qaq-Zab9.1,\tybay-\303\251 a\tZxyZxZ\303\251 Z -", 24,
     "qaq-Zab9.1,     ybay-\303\251 a\nZxyZxZ\303\251 Z -"},
    {"--\t\303\251,Z\303\251 b---Z--9_  --q9a\303\251b\303\251 1-\303\251 x "
     "\t\t\t1y- Z\303\251a \tZx\t ,",
     7,
     "--\n\303\251,Z\303\251 b\n---Z--\n9_  "
     "--q\n9a\303\251b\303\251\n1-\303\251 x\n1y- Z\303\251a\nZx\n,"},
    {"-ZqZ9x .9--x 1.-\303\251\303\251,a-a\303\251\t, 9!.,_1_a__,1-a  "
     ".Z,,qZ.! b 1b 9- ",
     14,
     "-ZqZ9x .9--x\n1.-\303\251\303\251,a-a\303\251 "
     ",\n9!.,_1_a__,1-a\n.Z,,qZ.! b 1b\n9-"},
    {"_-.!a,yy-Zb!\t--9 \303\251by9-\303\251!_    ,- \303\251", 18,
     "_-.!a,yy-Zb!\n--9 \303\251by9-\303\251!_    ,-\n\303\251"},
    {",1--Z-x\303\251y-\t_\t!9y--Z-_yZ_-. q-a!,!x-, _b\303\251 q", 12,
     ",1--Z-x\303\251y-\n_       !9y\n--Z-_yZ_-.\nq-a!,!x-,\n_b\303\251 q"},
    {"xx-Z -,,", 21, "xx-Z -,,"},
    {"! a9b!\303\251q\303\251aZ,x\t\t-1-99x1\tZyba9", 8,
     "! a9b!\303\251q\n\303\251aZ,x\n-1-99x1\nZyba9"},
    {"b 9 x!11Z xq-, ---aay \t _-\303\251x-y-a! ba-", 16,
     "b 9 x!11Z xq-,\n---aay    _-\303\251x-\ny-a! ba-"},
    {"!Z -!.-\303\251b_!.,-a xZ-\303\251- --\t-  "
     "1--\303\251----\303\251!b--9,b-a--9!bb-,\t_1Z-_",
     7,
     "!Z -!.-\n\303\251b_!.,-\na xZ-\303\251-\n--\n-  "
     "1--\303\251\n----\303\251!b\n--9,b-a\n--\n9!bb-,\n_1Z-_"},
    {"x\tb ,._\t-1a", 3, "x\nb\n,._\n-1a"},
    {"Z.!1y-,. !Zb\303\251-.y\t", 7, "Z.!1y-\n,.\n!Zb\303\251-.y"},
    {".\303\251a!-,b,b\tZb -Z--_. _", 20,
     ".\303\251a!-,b,b       Zb\n-Z--_. _"},
    {" _", 9, " _"},
    {"a--Za-1\303\251\t, !\303\2519\303\251-a 9--", 8,
     "a--Za-1\303\251\n, !\303\2519\303\251-a\n9--"},
    {"_\t.--Zx-,--!Zb\303\251yy_-!1", 3,
     "_\n.--\nZx-\n,--\n!Zb\n\303\251yy\n_-\n!1"},
    {"--Z-1!\303\251\t--9!\t---y1", 25, "--Z-1!\303\251 --9!    ---y1"},
    {"   q .  -\t----9 q-_Z, -xx-1\tb1a\303\251-\t.b -1b---q-Z.x-\t-- a1", 21,
     "   q .  -       ----9\nq-_Z, -xx-1\nb1a\303\251-   .b -1b---\nq-Z.x- -- "
     "a1"},
    {"--.-b._9b- b---a_!.--- Z-b\303\251y\303\251Z!1,y9yZ-, !", 10,
     "--.-b._9b-\nb---\na_!.--- Z-\nb\303\251y\303\251Z!1,y9\nyZ-, !"},
    {" !b q.!!a.-,,-a!-!1Z,q.\t-9aby9,Zq--.x-9. -x", 6,
     " !b q.\n!!a.-\n,,-a!-\n!1Z,q.\n-9aby9\n,Zq--\n.x-9.\n-x"},
    {"Z1,\303\251- 9b\303\251_b--,Z------,---\303\251-q-b,x-,.19--byb_1,--\ty "
     "! q-!,.\tx\t-aa--",
     16,
     "Z1,\303\251-\n9b\303\251_b--,Z------,\n---\303\251-q-b,x-,.19\n--byb_1,-"
     "- y !\nq-!,.       x\n-aa--"},
    {"-\t--\t-\303\251,1Z9.!.Z\txxbb9Z_xZbx,9a", 3,
     "-\n--\n-\303\251,\n1Z9\n.!.\nZ\nxxb\nb9Z\n_xZ\nbx,\n9a"},
    {"1-9\303\251 --Z.-- -_-- \t9 x\303\251-q --x-_.b--,- _,- 1", 25,
     "1-9\303\251 --Z.-- -_--        9\nx\303\251-q --x-_.b--,- _,- 1"},
    {"b.\tyxq1 y,. ,.q9._Z\t----b x  q_ab-", 5,
     "b.\nyxq1\ny,. ,\n.q9._\nZ\n----b\nx\nq_ab-"},
    {"--!!x.b9\303\251---babaq. 1", 17, "--!!x.b9\303\251---\nbabaq. 1"},
    {"y-!q q9-.--\303\251-9a-9\t1Z9 ,", 9,
     "y-!q q9-.\n--\303\251-9a-9\n1Z9 ,"},
    {"", 2, ""},
    {"y.--q\t--x\303\251--abbya,---b1a--y-9!-x--x!---x Z b\303\251y", 1,
     "y\n.\n-\n-\nq\n-\n-\nx\n\303\251\n-\n-\na\nb\nb\ny\na\n,\n-\n-\n-"
     "\nb\n1\na\n-\n-\ny\n-\n9\n!\n-\nx\n-\n-\nx\n!\n-\n-\n-"
     "\nx\nZ\nb\n\303\251\ny"},
    {"!\tZ\t--1 -b1_ b y!x  -Zxa", 6, "!\nZ\n--1\n-b1_ b\ny!x\n-Zxa"},
    {"---_-,_---,y\303\251\303\251xaa", 14,
     "---_-,_---\n,y\303\251\303\251xaa"},
    {"-q -,--qZq-9ba11---.9aab9bZbZq.-yZ,1---1bbZ \303\251191", 25,
     "-q -,--qZq-9ba11---\n.9aab9bZbZq.-yZ,1---1bbZ\n\303\251191"},
    {"- __! a.  b._--x\303\251 --a!a!x1.\303\251byq-Zq -!ax- ba", 12,
     "- __! a.\nb._--x\303\251 --a!\na!x1.\303\251byq-Zq\n-!ax- ba"},
    {"1\303\251-\303\251q.x q- --\303\251-1Z\303\251y1_.1,,Z!a.- ", 9,
     "1\303\251-\303\251q.x\nq- --\303\251-\n1Z\303\251y1_.1,\n,Z!a.-"},
    {"yx-,-\t9y----b.q_x9\ty_-\t\t q-9_", 15,
     "yx-,-   9y----\nb.q_x9    y_-\nq-9_"},
    {"-x-  --99-_--x.--_- 1-1-,99  ! -11 -,\tba,!-", 17,
     "-x-  --99-_--x.--\n_- 1-1-,99  ! -11\n-,   ba,!-"},
    {" \ta9 --,a-!qq!-q--1\t!_ 1!-,- !\303\251\ta--!x-_a,\303\251", 4,
     "a9 -\n-,a-\n!qq!\n-q--\n1\n!_ "
     "1\n!-,-\n!\303\251\na--\n!x-\n_a,\303\251"},
    {" y", 7, " y"},
    {"-x.1q\ty-\303\251x", 1, "-\nx\n.\n1\nq\ny\n-\n\303\251\nx"},
    {".x_!\t--,x1--.b  ,,baZ!!.q 1- ,x-,\t--9Z-\303\251y", 24,
     ".x_!    --,x1--.b\n,,baZ!!.q 1- ,x-,\n--9Z-\303\251y"},
    {"9.!\t y9\303\251.- , !", 22, "9.!      y9\303\251.- , !"},
    {"\303\251a .- _\303\251\303\251!--", 21,
     "\303\251a .- _\303\251\303\251!--"},
    {".9 ,b", 3, ".9\n,b"},
    {"q_9x.qaa-Z  --1q9--\t.9-,y-----Zy -\303\251-xZ\t1y1 "
     "!-9\303\251\303\251yb\303\251\t9\303\251-",
     16,
     "q_9x.qaa-Z\n--1q9--\n.9-,y-----Zy\n-\303\251-xZ      "
     "1y1\n!-9\303\251\303\251yb\303\251    9\303\251-"},
};

static void
test_textwrap_cases(void **state)
{
    (void) state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *got = cli_wrap_fill(cases[i].text, cases[i].width);

        assert_string_equal(got, cases[i].want);
        free(got);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_textwrap_cases),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
