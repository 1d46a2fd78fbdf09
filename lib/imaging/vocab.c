/* vocab.c — see vocab.h. */
#include "ig_autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "lib/imaging/vocab.h"

enum kind { K_SUBJECT, K_SCENE, K_STYLE, K_COLOUR, K_TIME, K_WEATHER, K_SEASON, K_POSE, K_COUNT,
	K_SKIP };

typedef struct entry {
	const char *word;
	unsigned char kind;
	unsigned char id;       /* enum of the kind; the number for K_COUNT */
	unsigned char plural;   /* an irregular plural ("people", "cacti") */
} entry;

#define SU(w, s) { w, K_SUBJECT, IG_SU_##s, 0 }
#define SP(w, s) { w, K_SUBJECT, IG_SU_##s, 1 }
#define SC(w, s) { w, K_SCENE, IG_SC_##s, 0 }
#define ST(w, s) { w, K_STYLE, IG_ST_##s, 0 }
#define CO(w, s) { w, K_COLOUR, IG_CO_##s, 0 }
#define TI(w, s) { w, K_TIME, IG_TI_##s, 0 }
#define WE(w, s) { w, K_WEATHER, IG_WE_##s, 0 }
#define SE(w, s) { w, K_SEASON, IG_SE_##s, 0 }
#define PO(w, s) { w, K_POSE, IG_PO_##s, 0 }
#define NU(w, n) { w, K_COUNT, n, 0 }
#define SK(w) { w, K_SKIP, 0, 0 }

static const entry table[] = {
	/* animals */
	SU("cat", CAT), SU("kitten", CAT), SU("kitty", CAT), SU("feline", CAT), SU("貓", CAT),
	SU("猫", CAT), SU("ねこ", CAT), SU("ネコ", CAT),
	SU("dog", DOG), SU("puppy", DOG), SU("hound", DOG), SU("corgi", DOG), SU("狗", DOG),
	SU("犬", DOG), SU("いぬ", DOG), SU("イヌ", DOG),
	SU("fox", FOX), SU("狐狸", FOX), SU("狐", FOX), SU("キツネ", FOX), SU("きつね", FOX),
	SU("bird", BIRD), SU("sparrow", BIRD), SU("robin", BIRD), SU("parrot", BIRD),
	SU("songbird", BIRD), SU("鳥", BIRD), SU("鸟", BIRD), SU("とり", BIRD),
	SU("fish", FISH), SU("goldfish", FISH), SU("koi", FISH), SU("魚", FISH), SU("鱼", FISH),
	SU("さかな", FISH),
	SU("horse", HORSE), SU("pony", HORSE), SU("stallion", HORSE), SU("馬", HORSE),
	SU("马", HORSE), SU("うま", HORSE),
	SU("rabbit", RABBIT), SU("bunny", RABBIT), SU("hare", RABBIT), SU("兔", RABBIT),
	SU("兎", RABBIT), SU("うさぎ", RABBIT), SU("ウサギ", RABBIT),
	SU("owl", OWL), SU("貓頭鷹", OWL), SU("猫头鹰", OWL), SU("梟", OWL), SU("フクロウ", OWL),
	SU("ふくろう", OWL),
	SU("whale", WHALE), SU("鯨", WHALE), SU("鲸", WHALE), SU("クジラ", WHALE),
	SU("butterfly", BUTTERFLY), SU("蝴蝶", BUTTERFLY), SU("蝶", BUTTERFLY),
	SU("チョウ", BUTTERFLY),
	/* people */
	SU("portrait", PORTRAIT), SU("face", PORTRAIT), SU("headshot", PORTRAIT),
	SU("selfie", PORTRAIT), SU("肖像", PORTRAIT), SU("人像", PORTRAIT), SU("頭像", PORTRAIT),
	SU("头像", PORTRAIT), SU("自畫像", PORTRAIT), SU("自画像", PORTRAIT),
	SU("ポートレート", PORTRAIT), SU("似顔絵", PORTRAIT),
	SU("person", FIGURE), SU("figure", FIGURE), SU("woman", FIGURE), SU("man", FIGURE),
	SU("girl", FIGURE), SU("boy", FIGURE), SU("child", FIGURE), SU("hiker", FIGURE),
	SU("dancer", FIGURE), SU("traveler", FIGURE), SU("traveller", FIGURE),
	SP("women", FIGURE), SP("men", FIGURE), SU("人物", FIGURE), SU("女人", FIGURE),
	SU("男人", FIGURE), SU("女孩", FIGURE), SU("男孩", FIGURE), SU("少女", FIGURE),
	SU("少年", FIGURE), SU("女性", FIGURE), SU("男性", FIGURE), SU("人", FIGURE),
	SU("crowd", CROWD), SU("people", CROWD), SU("audience", CROWD), SP("children", CROWD),
	SU("人群", CROWD), SU("群眾", CROWD), SU("群众", CROWD), SU("人々", CROWD),
	SU("群衆", CROWD),
	/* vehicles */
	SU("car", CAR), SU("sports car", CAR), SU("automobile", CAR), SU("taxi", CAR),
	SU("vehicle", CAR), SU("車", CAR), SU("车", CAR), SU("汽車", CAR), SU("汽车", CAR),
	SU("跑車", CAR), SU("跑车", CAR), SU("自動車", CAR), SU("くるま", CAR),
	SU("bicycle", BICYCLE), SU("bike", BICYCLE), SU("cyclist", BICYCLE),
	SU("自行車", BICYCLE), SU("自行车", BICYCLE), SU("腳踏車", BICYCLE), SU("脚踏车", BICYCLE),
	SU("單車", BICYCLE), SU("单车", BICYCLE), SU("自転車", BICYCLE),
	SU("boat", BOAT), SU("sailboat", BOAT), SU("canoe", BOAT), SU("rowboat", BOAT),
	SU("yacht", BOAT), SU("船", BOAT), SU("小船", BOAT), SU("帆船", BOAT), SU("ボート", BOAT),
	SU("舟", BOAT),
	SU("ship", SHIP), SU("steamship", SHIP), SU("ocean liner", SHIP), SU("cruise ship", SHIP),
	SU("輪船", SHIP), SU("轮船", SHIP), SU("郵輪", SHIP), SU("邮轮", SHIP), SU("軍艦", SHIP),
	SU("军舰", SHIP),
	SU("train", TRAIN), SU("locomotive", TRAIN), SU("railway", TRAIN), SU("火車", TRAIN),
	SU("火车", TRAIN), SU("列車", TRAIN), SU("列车", TRAIN), SU("電車", TRAIN),
	SU("电车", TRAIN), SU("高鐵", TRAIN), SU("高铁", TRAIN),
	SU("airplane", AIRPLANE), SU("aeroplane", AIRPLANE), SU("plane", AIRPLANE),
	SU("jet", AIRPLANE), SU("aircraft", AIRPLANE), SU("飛機", AIRPLANE), SU("飞机", AIRPLANE),
	SU("飛行機", AIRPLANE),
	SU("rocket", ROCKET), SU("spaceship", ROCKET), SU("spacecraft", ROCKET), SU("火箭", ROCKET),
	SU("ロケット", ROCKET),
	/* plants and food */
	SU("tree", TREE), SU("oak", TREE), SU("樹", TREE), SU("树", TREE), SU("大樹", TREE),
	SU("木", TREE),
	SU("flower", FLOWER), SU("tulip", FLOWER), SU("daisy", FLOWER), SU("blossom", FLOWER),
	SU("花", FLOWER), SU("花朵", FLOWER),
	SU("rose", ROSE), SU("玫瑰", ROSE), SU("薔薇", ROSE), SU("蔷薇", ROSE), SU("バラ", ROSE),
	SU("sunflower", SUNFLOWER), SU("向日葵", SUNFLOWER), SU("ひまわり", SUNFLOWER),
	SU("cactus", CACTUS), SP("cacti", CACTUS), SU("succulent", CACTUS), SU("仙人掌", CACTUS),
	SU("サボテン", CACTUS),
	SU("mushroom", MUSHROOM), SU("toadstool", MUSHROOM), SU("蘑菇", MUSHROOM),
	SU("香菇", MUSHROOM), SU("菇", MUSHROOM), SU("きのこ", MUSHROOM), SU("キノコ", MUSHROOM),
	SU("fruit bowl", FRUIT_BOWL), SU("bowl of fruit", FRUIT_BOWL), SU("fruit", FRUIT_BOWL),
	SU("still life", FRUIT_BOWL), SU("水果", FRUIT_BOWL), SU("果盤", FRUIT_BOWL),
	SU("果盘", FRUIT_BOWL), SU("果物", FRUIT_BOWL), SU("フルーツ", FRUIT_BOWL),
	SU("静物", FRUIT_BOWL), SU("靜物", FRUIT_BOWL),
	SU("apple", APPLE), SU("蘋果", APPLE), SU("苹果", APPLE), SU("りんご", APPLE),
	SU("リンゴ", APPLE),
	SU("cake", CAKE), SU("cupcake", CAKE), SU("birthday cake", CAKE), SU("蛋糕", CAKE),
	SU("ケーキ", CAKE),
	SU("cup of coffee", COFFEE), SU("coffee", COFFEE), SU("cup", COFFEE), SU("mug", COFFEE),
	SU("latte", COFFEE), SU("espresso", COFFEE), SU("cappuccino", COFFEE),
	SU("cup of tea", COFFEE), SU("teacup", COFFEE), SU("咖啡", COFFEE), SU("杯子", COFFEE),
	SU("コーヒー", COFFEE), SU("カップ", COFFEE),
	/* buildings and places */
	SU("house", HOUSE), SU("cottage", HOUSE), SU("cabin", HOUSE),
	SU("房子", HOUSE), SU("房屋", HOUSE), SU("小屋", HOUSE), SU("屋", HOUSE),
	SU("住宅", HOUSE), SU("いえ", HOUSE),
	SU("castle", CASTLE), SU("fortress", CASTLE), SU("palace", CASTLE), SU("城堡", CASTLE),
	SU("城", CASTLE), SU("宮殿", CASTLE), SU("宫殿", CASTLE),
	SU("lighthouse", LIGHTHOUSE), SU("燈塔", LIGHTHOUSE), SU("灯塔", LIGHTHOUSE),
	SU("bridge", BRIDGE), SU("橋", BRIDGE), SU("桥", BRIDGE), SU("はし", BRIDGE),
	SU("tower", TOWER), SU("塔", TOWER), SU("高塔", TOWER), SU("鐵塔", TOWER),
	SU("铁塔", TOWER), SU("タワー", TOWER),
	SU("temple", TEMPLE), SU("shrine", TEMPLE), SU("pagoda", TEMPLE), SU("寺", TEMPLE),
	SU("寺廟", TEMPLE), SU("寺庙", TEMPLE), SU("廟", TEMPLE), SU("庙", TEMPLE),
	SU("神社", TEMPLE), SU("神殿", TEMPLE),
	SU("windmill", WINDMILL), SU("風車", WINDMILL), SU("风车", WINDMILL),
	/* objects */
	SU("robot", ROBOT), SU("android", ROBOT), SU("mech", ROBOT), SU("機器人", ROBOT),
	SU("机器人", ROBOT), SU("機械人", ROBOT), SU("ロボット", ROBOT),
	SU("clock", CLOCK), SU("時鐘", CLOCK), SU("时钟", CLOCK),
	SU("鐘", CLOCK), SU("钟", CLOCK), SU("時計", CLOCK),
	SU("book", BOOK), SU("novel", BOOK), SU("書", BOOK), SU("书", BOOK), SU("書本", BOOK),
	SU("书本", BOOK),
	SU("lamp", LAMP), SU("lantern", LAMP), SU("燈", LAMP), SU("灯", LAMP), SU("檯燈", LAMP),
	SU("台灯", LAMP), SU("ランプ", LAMP),
	SU("guitar", GUITAR), SU("吉他", GUITAR), SU("ギター", GUITAR),
	/* fantasy */
	SU("dragon", DRAGON), SU("wyvern", DRAGON), SU("龍", DRAGON), SU("龙", DRAGON),
	SU("竜", DRAGON), SU("ドラゴン", DRAGON),
	SU("unicorn", UNICORN), SU("獨角獸", UNICORN), SU("独角兽", UNICORN),
	SU("ユニコーン", UNICORN),
	/* more */
	SU("penguin", PENGUIN), SU("企鵝", PENGUIN), SU("企鹅", PENGUIN), SU("ペンギン", PENGUIN),
	SU("elephant", ELEPHANT), SU("大象", ELEPHANT), SU("象", ELEPHANT), SU("ゾウ", ELEPHANT),
	SU("bear", BEAR), SU("teddy bear", BEAR), SU("panda", BEAR), SU("熊", BEAR),
	SU("熊貓", BEAR), SU("熊猫", BEAR), SU("クマ", BEAR), SU("パンダ", BEAR),
	SU("snowman", SNOWMAN), SU("雪人", SNOWMAN), SU("雪だるま", SNOWMAN),
	SU("hot air balloon", BALLOON), SU("balloon", BALLOON), SU("熱氣球", BALLOON),
	SU("热气球", BALLOON), SU("氣球", BALLOON), SU("气球", BALLOON), SU("気球", BALLOON),
	SU("astronaut", ASTRONAUT), SU("cosmonaut", ASTRONAUT), SU("spaceman", ASTRONAUT),
	SU("太空人", ASTRONAUT), SU("宇航員", ASTRONAUT), SU("宇航员", ASTRONAUT),
	SU("航天員", ASTRONAUT), SU("航天员", ASTRONAUT), SU("宇宙飛行士", ASTRONAUT),
	SU("dinosaur", DINOSAUR), SU("t-rex", DINOSAUR), SU("trex", DINOSAUR), SU("恐龍", DINOSAUR),
	SU("恐龙", DINOSAUR), SU("恐竜", DINOSAUR),
	SU("turtle", TURTLE), SU("tortoise", TURTLE), SU("烏龜", TURTLE), SU("乌龟", TURTLE),
	SU("海龜", TURTLE), SU("海龟", TURTLE), SU("龜", TURTLE), SU("亀", TURTLE), SU("カメ", TURTLE),
	SU("ice cream", ICE_CREAM), SU("gelato", ICE_CREAM), SU("ice-cream", ICE_CREAM),
	SU("冰淇淋", ICE_CREAM), SU("雪糕", ICE_CREAM), SU("アイスクリーム", ICE_CREAM),
	SU("アイス", ICE_CREAM),
	SU("umbrella", UMBRELLA), SU("parasol", UMBRELLA), SU("雨傘", UMBRELLA), SU("雨伞", UMBRELLA),
	SU("傘", UMBRELLA), SU("伞", UMBRELLA), SU("かさ", UMBRELLA),

	/* scenes */
	SC("mountain", MOUNTAINS), SC("hill", MOUNTAINS), SC("valley", MOUNTAINS),
	SC("landscape", MOUNTAINS), SC("peak", MOUNTAINS), SC("alps", MOUNTAINS),
	SC("山", MOUNTAINS), SC("山脈", MOUNTAINS), SC("山脉", MOUNTAINS), SC("山水", MOUNTAINS),
	SC("city", CITY), SC("skyline", CITY), SC("town", CITY), SC("street", CITY),
	SC("building", CITY), SC("skyscraper", CITY), SC("urban", CITY), SC("highway", CITY),
	SC("road", CITY), SC("城市", CITY), SC("都市", CITY), SC("街", CITY), SC("公路", CITY),
	SC("sea", SEA), SC("ocean", SEA), SC("wave", SEA), SC("beach", SEA), SC("lake", SEA),
	SC("water", SEA), SC("coast", SEA), SC("harbor", SEA), SC("harbour", SEA), SC("river", SEA),
	SC("海", SEA), SC("海洋", SEA), SC("海邊", SEA), SC("海边", SEA), SC("湖", SEA),
	SC("河", SEA), SC("海灘", SEA), SC("海滩", SEA),
	SC("forest", FOREST), SC("wood", FOREST), SC("jungle", FOREST), SC("pine", FOREST),
	SC("森林", FOREST), SC("樹林", FOREST), SC("树林", FOREST), SC("森", FOREST),
	SC("space", SPACE), SC("star", SPACE), SC("galaxy", SPACE), SC("planet", SPACE),
	SC("nebula", SPACE), SC("cosmos", SPACE), SC("universe", SPACE), SC("宇宙", SPACE),
	SC("太空", SPACE), SC("星空", SPACE), SC("銀河", SPACE), SC("银河", SPACE),
	SC("abstract", ABSTRACT), SC("pattern", ABSTRACT), SC("geometric", ABSTRACT),
	SC("fractal", ABSTRACT), SC("swirl", ABSTRACT), SC("flow", ABSTRACT), SC("抽象", ABSTRACT),
	SC("room", ROOM), SC("indoor", ROOM), SC("indoors", ROOM), SC("interior", ROOM),
	SC("sofa", ROOM), SC("couch", ROOM), SC("kitchen", ROOM), SC("bedroom", ROOM),
	SC("table", ROOM), SC("desk", ROOM), SC("cafe", ROOM), SC("window", ROOM),
	SC("房間", ROOM), SC("房间", ROOM), SC("室內", ROOM), SC("室内", ROOM), SC("部屋", ROOM),
	SC("客廳", ROOM), SC("客厅", ROOM), SC("沙發", ROOM), SC("沙发", ROOM), SC("桌", ROOM),
	SC("meadow", MEADOW), SC("field", MEADOW), SC("grass", MEADOW), SC("garden", MEADOW),
	SC("park", MEADOW), SC("farm", MEADOW), SC("countryside", MEADOW), SC("prairie", MEADOW),
	SC("草原", MEADOW), SC("草地", MEADOW), SC("田野", MEADOW), SC("花園", MEADOW),
	SC("花园", MEADOW), SC("庭園", MEADOW), SC("公園", MEADOW), SC("公园", MEADOW),
	SC("underwater", UNDERWATER), SC("undersea", UNDERWATER), SC("reef", UNDERWATER),
	SC("aquarium", UNDERWATER), SC("水中", UNDERWATER), SC("水下", UNDERWATER),
	SC("海底", UNDERWATER),

	/* styles */
	ST("realistic", REALISTIC), ST("photorealistic", REALISTIC), ST("photo", REALISTIC),
	ST("photograph", REALISTIC), ST("photography", REALISTIC), ST("hyperrealistic", REALISTIC),
	ST("3d render", REALISTIC), ST("3d_render", REALISTIC), ST("寫實", REALISTIC),
	ST("写实", REALISTIC), ST("照片", REALISTIC), ST("写真", REALISTIC), ST("寫真", REALISTIC),
	ST("リアル", REALISTIC),
	ST("watercolor", WATERCOLOR), ST("watercolour", WATERCOLOR), ST("水彩", WATERCOLOR),
	ST("oil painting", OIL), ST("oil_painting", OIL), ST("oil", OIL), ST("impasto", OIL),
	ST("油畫", OIL), ST("油画", OIL), ST("油絵", OIL),
	ST("anime", ANIME), ST("manga", ANIME), ST("cartoon", ANIME), ST("cel shaded", ANIME),
	ST("cel-shaded", ANIME), ST("cel", ANIME), ST("comic", ANIME), ST("動漫", ANIME),
	ST("动漫", ANIME), ST("動畫", ANIME), ST("动画", ANIME), ST("アニメ", ANIME),
	ST("漫畫", ANIME), ST("漫画", ANIME), ST("卡通", ANIME),
	ST("pixel art", PIXEL), ST("pixel_art", PIXEL), ST("pixel", PIXEL), ST("pixelated", PIXEL),
	ST("8-bit", PIXEL), ST("16-bit", PIXEL), ST("8bit", PIXEL), ST("像素", PIXEL),
	ST("ドット絵", PIXEL),
	ST("sketch", SKETCH), ST("line art", SKETCH), ST("pencil", SKETCH), ST("drawing", SKETCH),
	ST("charcoal", SKETCH), ST("ink", SKETCH), ST("素描", SKETCH), ST("線稿", SKETCH),
	ST("线稿", SKETCH), ST("鉛筆", SKETCH), ST("铅笔", SKETCH), ST("スケッチ", SKETCH),
	ST("線画", SKETCH), ST("线画", SKETCH),
	ST("low poly", LOWPOLY), ST("low-poly", LOWPOLY), ST("lowpoly", LOWPOLY),
	ST("polygonal", LOWPOLY), ST("低多邊形", LOWPOLY), ST("低多边形", LOWPOLY),
	ST("低面", LOWPOLY), ST("ローポリ", LOWPOLY),

	/* colours */
	CO("red", RED), CO("crimson", RED), CO("scarlet", RED), CO("紅", RED), CO("红", RED),
	CO("赤", RED), CO("紅色", RED), CO("红色", RED),
	CO("orange", ORANGE), CO("橙", ORANGE), CO("橘色", ORANGE), CO("オレンジ", ORANGE),
	CO("yellow", YELLOW), CO("黃", YELLOW), CO("黄", YELLOW), CO("黃色", YELLOW),
	CO("黄色", YELLOW),
	CO("green", GREEN), CO("emerald", GREEN), CO("綠", GREEN), CO("绿", GREEN),
	CO("緑", GREEN), CO("綠色", GREEN), CO("绿色", GREEN),
	CO("blue", BLUE), CO("azure", BLUE), CO("navy", BLUE), CO("藍", BLUE), CO("蓝", BLUE),
	CO("青", BLUE), CO("藍色", BLUE), CO("蓝色", BLUE),
	CO("purple", PURPLE), CO("violet", PURPLE), CO("紫", PURPLE), CO("紫色", PURPLE),
	CO("pink", PINK), CO("magenta", PINK), CO("粉", PINK), CO("粉紅", PINK), CO("粉红", PINK),
	CO("ピンク", PINK),
	CO("brown", BROWN), CO("棕", BROWN), CO("褐", BROWN), CO("咖啡色", BROWN),
	CO("茶色", BROWN),
	CO("black", BLACK), CO("黑", BLACK), CO("黒", BLACK), CO("黑色", BLACK),
	CO("white", WHITE), CO("白", WHITE), CO("白色", WHITE),
	CO("gray", GRAY), CO("grey", GRAY), CO("灰", GRAY), CO("灰色", GRAY),
	CO("gold", GOLD), CO("golden", GOLD), CO("金", GOLD), CO("金色", GOLD),
	CO("silver", SILVER), CO("銀", SILVER), CO("银", SILVER), CO("銀色", SILVER),
	CO("银色", SILVER),
	CO("赤い", RED), CO("青い", BLUE), CO("白い", WHITE), CO("黒い", BLACK), CO("黄色い", YELLOW),
	CO("cyan", CYAN), CO("teal", CYAN), CO("turquoise", CYAN),

	/* time of day, weather, season */
	TI("night", NIGHT), TI("midnight", NIGHT), TI("nighttime", NIGHT), TI("moonlight", NIGHT),
	TI("moonlit", NIGHT), TI("夜", NIGHT), TI("夜晚", NIGHT), TI("晚上", NIGHT),
	TI("深夜", NIGHT), TI("月夜", NIGHT), TI("夜景", NIGHT),
	TI("sunset", SUNSET), TI("sunrise", SUNSET), TI("dawn", SUNSET), TI("dusk", SUNSET),
	TI("evening", SUNSET), TI("twilight", SUNSET), TI("golden hour", SUNSET),
	TI("黃昏", SUNSET), TI("黄昏", SUNSET), TI("夕陽", SUNSET), TI("夕阳", SUNSET),
	TI("日落", SUNSET), TI("日出", SUNSET), TI("夕焼け", SUNSET), TI("朝焼け", SUNSET),
	TI("morning", DAY), TI("noon", DAY), TI("daytime", DAY), TI("sunny", DAY),
	TI("白天", DAY), TI("早晨", DAY), TI("正午", DAY), TI("晴", DAY),
	WE("rain", RAIN), WE("rainy", RAIN), WE("raining", RAIN), WE("drizzle", RAIN),
	WE("雨", RAIN), WE("下雨", RAIN),
	WE("snow", SNOW), WE("snowy", SNOW), WE("snowing", SNOW), WE("snowfall", SNOW),
	WE("雪", SNOW), WE("下雪", SNOW),
	WE("fog", FOG), WE("foggy", FOG), WE("mist", FOG), WE("misty", FOG), WE("haze", FOG),
	WE("霧", FOG), WE("雾", FOG),
	WE("storm", STORM), WE("stormy", STORM), WE("thunder", STORM), WE("lightning", STORM),
	WE("thunderstorm", STORM), WE("暴風雨", STORM), WE("暴风雨", STORM), WE("雷", STORM),
	WE("嵐", STORM),
	WE("cloud", CLOUDY), WE("cloudy", CLOUDY), WE("overcast", CLOUDY), WE("雲", CLOUDY),
	WE("云", CLOUDY), WE("陰天", CLOUDY), WE("阴天", CLOUDY),
	SE("spring", SPRING), SE("springtime", SPRING), SE("春", SPRING), SE("春天", SPRING),
	SE("summer", SUMMER), SE("夏", SUMMER), SE("夏天", SUMMER),
	SE("autumn", AUTUMN), SE("fall foliage", AUTUMN), SE("秋", AUTUMN), SE("秋天", AUTUMN),
	SE("紅葉", AUTUMN), SE("红叶", AUTUMN),
	SE("winter", WINTER), SE("冬", WINTER), SE("冬天", WINTER),

	/* poses */
	PO("sleeping", SLEEP), PO("asleep", SLEEP), PO("sleepy", SLEEP), PO("napping", SLEEP),
	PO("lying", SLEEP), PO("curled up", SLEEP), PO("睡", SLEEP), PO("睡覺", SLEEP),
	PO("睡觉", SLEEP), PO("眠", SLEEP), PO("寝", SLEEP),
	PO("flying", FLY), PO("soaring", FLY), PO("in flight", FLY), PO("飛", FLY), PO("飞", FLY),
	PO("bouquet", BOUQUET), PO("vase", BOUQUET), PO("花束", BOUQUET), PO("花瓶", BOUQUET),
	PO("running", RUN), PO("galloping", RUN), PO("跑", RUN), PO("奔跑", RUN), PO("走る", RUN),

	/* counts: numbers, and collective nouns that imply a few */
	NU("one", 1), NU("a single", 1), NU("two", 2), NU("three", 3), NU("four", 4),
	NU("five", 5), NU("six", 6), NU("seven", 7), NU("eight", 8), NU("nine", 9), NU("ten", 9),
	NU("pair of", 2), NU("couple of", 2), NU("several", 3), NU("a few", 3), NU("many", 6),
	NU("group of", 3), NU("bunch of", 4), NU("flock of", 5),
	NU("herd of", 4), NU("school of", 5), NU("fleet of", 3), NU("row of", 4),
	NU("一", 1), NU("二", 2), NU("兩", 2), NU("两", 2), NU("三", 3), NU("四", 4), NU("五", 5),
	NU("六", 6), NU("七", 7), NU("八", 8), NU("九", 9), NU("十", 9), NU("幾", 3), NU("几", 3),
	NU("一群", 5), PO("一束", BOUQUET),
	/* CJK measure words and particles that may stand between a count or a
	 * colour and its subject */
	SK("隻"), SK("只"), SK("個"), SK("个"), SK("匹"), SK("條"), SK("条"), SK("輛"), SK("辆"),
	SK("朵"), SK("棵"), SK("座"), SK("把"), SK("台"), SK("頭"), SK("头"), SK("羽"), SK("艘"),
	SK("架"), SK("杯"), SK("盤"), SK("盘"), SK("的"), SK("の"), SK("位"), SK("名"), SK("つ"),
	SK("枝"), SK("盆"), SK("本"), SK("色"), SK("頂"), SK("间"), SK("間"), SK("棟"), SK("栋"),
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

#define NAME(id, name, ...) name,
static const char *const subject_names[IG_SU__MAX] = { IG_SUBJECTS(NAME) };
#undef NAME

static const char *const scene_names[IG_SC__MAX] = {
	"mountains", "city", "sea", "forest", "space", "portrait", "abstract", "room", "meadow",
	"underwater",
};

static const char *const style_names[IG_ST__MAX] = {
	NULL, "realistic", "watercolor", "oil painting", "anime", "pixel art", "sketch", "low poly",
};

static const struct {
	const char *name;
	float h, s, v;
} colours[IG_CO__MAX] = {
	{ "red", 0, 0.85f, 0.85f }, { "orange", 28, 0.9f, 0.95f }, { "yellow", 52, 0.85f, 0.95f },
	{ "green", 120, 0.7f, 0.65f }, { "blue", 218, 0.8f, 0.85f }, { "purple", 275, 0.65f, 0.7f },
	{ "pink", 335, 0.45f, 0.97f }, { "brown", 25, 0.65f, 0.45f }, { "black", 0, 0, 0.13f },
	{ "white", 0, 0.02f, 0.96f }, { "gray", 0, 0, 0.55f }, { "gold", 45, 0.8f, 0.88f },
	{ "silver", 210, 0.06f, 0.8f }, { "cyan", 182, 0.75f, 0.85f },
};

const char *
ig_subject_name(int id)
{
	return id >= 0 && id < IG_SU__MAX ? subject_names[id] : NULL;
}

const char *
ig_scene_name(int id)
{
	return id >= 0 && id < IG_SC__MAX ? scene_names[id] : NULL;
}

const char *
ig_style_name(int id)
{
	return id >= 0 && id < IG_ST__MAX ? style_names[id] : NULL;
}

const char *
ig_colour_name(int id)
{
	return id >= 0 && id < IG_CO__MAX ? colours[id].name : NULL;
}

void
ig_colour_hsv(int id, float *h, float *s, float *v)
{
	*h = colours[id].h;
	*s = colours[id].s;
	*v = colours[id].v;
}

const char *
ig_vocab_subject_word(size_t i, int *subject)
{
	for (size_t k = 0; k < NTABLE; k++) {
		if (table[k].kind != K_SUBJECT)
			continue;
		if (i-- == 0) {
			*subject = table[k].id;
			return table[k].word;
		}
	}
	return NULL;
}

static int
alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* One match of an entry: bytes [start, end) of the prompt. */
typedef struct match {
	size_t start, end;
	const entry *e;
	int plural;
} match;

#define MAX_MATCHES 256

/* Length of the plural suffix of w found at t (0 for the word itself), or
 * -1 when t does not end the word there. */
static int
word_end(const char *t)
{
	if (!alnum((unsigned char)t[0]))
		return 0;
	if (t[0] == 's' && !alnum((unsigned char)t[1]))
		return 1;
	if (t[0] == 'e' && t[1] == 's' && !alnum((unsigned char)t[2]))
		return 2;
	return -1;
}

/* "butterflies", "puppies": an entry ending in y also matches its -ies
 * plural. */
static void
find_ies(const char *low, const entry *e, match *m, int *n)
{
	char pl[64];
	size_t wl = strlen(e->word);
	const char *p = low;

	if (wl < 3 || wl + 3 > sizeof(pl) || e->word[wl - 1] != 'y' || (unsigned char)e->word[0] >= 0x80)
		return;
	memcpy(pl, e->word, wl - 1);
	memcpy(pl + wl - 1, "ies", 4);
	while (*n < MAX_MATCHES && (p = strstr(p, pl)) != NULL) {
		size_t at = (size_t)(p - low);
		if ((at == 0 || !alnum((unsigned char)low[at - 1])) && !alnum((unsigned char)p[wl + 2])) {
			m[*n] = (match){ at, at + wl + 2, e, 1 };
			(*n)++;
		}
		p += wl;
	}
}

static void
find_all(const char *low, const entry *e, match *m, int *n)
{
	size_t wl = strlen(e->word);
	int ascii = (unsigned char)e->word[0] < 0x80;
	const char *p = low;

	while (*n < MAX_MATCHES && (p = strstr(p, e->word)) != NULL) {
		size_t at = (size_t)(p - low);
		int suf = 0;
		if (ascii) {
			if (at > 0 && alnum((unsigned char)low[at - 1])) {
				p++;
				continue;
			}
			suf = word_end(p + wl);
			if (suf < 0) {
				p++;
				continue;
			}
		}
		m[*n] = (match){ at, at + wl + (size_t)suf, e, suf > 0 || e->plural };
		(*n)++;
		p += wl;
	}
}

static int
by_length_then_start(const void *a, const void *b)
{
	const match *x = a, *y = b;
	size_t lx = x->end - x->start, ly = y->end - y->start;

	if (lx != ly)
		return lx < ly ? 1 : -1;
	return (x->start > y->start) - (x->start < y->start);
}

static int
by_start(const void *a, const void *b)
{
	const match *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* Digits right before position at (after spaces), as a count; 0 if none. */
static int
digits_before(const char *low, size_t at)
{
	size_t i = at;
	long v = 0, mul = 1;

	while (i > 0 && low[i - 1] == ' ')
		i--;
	if (i == 0 || low[i - 1] < '0' || low[i - 1] > '9')
		return 0;
	while (i > 0 && low[i - 1] >= '0' && low[i - 1] <= '9' && mul < 1000) {
		v += (low[i - 1] - '0') * mul;
		mul *= 10;
		i--;
	}
	if (i > 0 && alnum((unsigned char)low[i - 1]))
		return 0;
	return (int)v;
}

/* Is [from, to) only spaces, ASCII letters (adjectives) or skipped CJK
 * words, and short: may a count or colour there belong to what follows? */
static int
gap_ok(const char *low, const match *m, int n, size_t from, size_t to)
{
	if (from > to || to - from > 24)
		return 0;
	for (size_t i = from; i < to; i++) {
		unsigned char ch = (unsigned char)low[i];
		if (ch == ' ' || alnum(ch) || ch == '-')
			continue;
		if (ch < 0x80)
			return 0;
		/* a CJK byte: must lie in a skipped match */
		int inside = 0;
		for (int k = 0; k < n && !inside; k++)
			inside = m[k].e->kind == K_SKIP && m[k].start <= i && i < m[k].end;
		if (!inside)
			return 0;
	}
	return 1;
}

/* Append v to the list unless it is there (lists hold one of each id, so
 * they never outgrow their enum). */
static void
add_once(int *list, int *n, int v)
{
	for (int i = 0; i < *n; i++)
		if (list[i] == v)
			return;
	list[(*n)++] = v;
}

void
ig_vocab_parse(const char *text, ig_vparse *out)
{
	match *all, *kept;
	int n = 0, nk = 0;
	char *low;
	size_t len;

	memset(out, 0, sizeof(*out));
	out->style = IG_ST_NONE;
	if (text == NULL || *text == '\0')
		return;
	len = strlen(text);
	low = malloc(len + 3);
	all = malloc(sizeof(match) * MAX_MATCHES);
	kept = malloc(sizeof(match) * MAX_MATCHES);
	if (low == NULL || all == NULL || kept == NULL)
		goto out;
	for (size_t i = 0; i < len; i++) {
		char ch = text[i];
		low[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch == '_' || ch == '\n' ? ' ' : ch);
	}
	low[len] = low[len + 1] = low[len + 2] = '\0';
	for (size_t k = 0; k < NTABLE; k++) {
		find_all(low, &table[k], all, &n);
		find_ies(low, &table[k], all, &n);
	}
	/* longest first; a match overlapping one already kept is dropped */
	qsort(all, (size_t)n, sizeof(match), by_length_then_start);
	for (int i = 0; i < n; i++) {
		int clash = 0;
		for (int k = 0; k < nk && !clash; k++)
			clash = all[i].start < kept[k].end && kept[k].start < all[i].end;
		if (!clash)
			kept[nk++] = all[i];
	}
	qsort(kept, (size_t)nk, sizeof(match), by_start);
	for (int i = 0; i < nk; i++) {
		const entry *e = kept[i].e;
		switch (e->kind) {
		case K_SUBJECT: {
			int count = 0, colour = -1, slot = -1;
			size_t at = kept[i].start;
			/* walk back over what may stand before it: a colour, then a count */
			for (int k = i - 1; k >= 0; k--) {
				const match *p = &kept[k];
				if (!gap_ok(low, kept, nk, p->end, at))
					break;
				if (p->e->kind == K_SKIP) {
					at = p->start;
					continue;
				}
				if (p->e->kind == K_COLOUR && colour < 0 && count == 0)
					colour = p->e->id;
				else if (p->e->kind == K_COUNT && count == 0)
					count = p->e->id;
				else if (p->e->kind == K_POSE && p->e->id == IG_PO_BOUQUET && count == 0)
					count = 5;  /* "a bouquet of roses", 一束玫瑰 */
				else
					break;
				at = p->start;
			}
			if (count == 0)
				count = digits_before(low, at);
			if (count == 0)
				count = kept[i].plural ? 3 : 1;
			if (count > IG_VOCAB_MAX_COUNT)
				count = IG_VOCAB_MAX_COUNT;
			for (int s = 0; s < out->nsubj; s++)
				if (out->subj[s].id == e->id)
					slot = s;
			if (slot >= 0) {
				if (out->subj[slot].colour < 0)
					out->subj[slot].colour = colour;
				break;
			}
			if (out->nsubj < IG_VOCAB_MAX_SUBJECTS)
				out->subj[out->nsubj++] = (ig_vsubject){ e->id, count, colour };
			break;
		}
		case K_SCENE: add_once(out->scenes, &out->nscenes, e->id); break;
		case K_STYLE:
			if (out->style == IG_ST_NONE)
				out->style = e->id;
			break;
		case K_COLOUR: add_once(out->colours, &out->ncolours, e->id); break;
		case K_TIME: out->time |= e->id; break;
		case K_WEATHER: out->weather |= e->id; break;
		case K_SEASON: out->season |= e->id; break;
		case K_POSE: out->pose |= e->id; break;
		default: break;
		}
	}
	/* a portrait is of a person: one figure is the portrait's sitter */
	for (int s = 0; s < out->nsubj; s++) {
		if (out->subj[s].id != IG_SU_PORTRAIT)
			continue;
		for (int t = 0; t < out->nsubj; t++) {
			if (out->subj[t].id == IG_SU_FIGURE && out->subj[t].count == 1) {
				memmove(&out->subj[t], &out->subj[t + 1],
				    sizeof(out->subj[0]) * (size_t)(out->nsubj - t - 1));
				out->nsubj--;
				break;
			}
		}
		break;
	}
out:
	free(low);
	free(all);
	free(kept);
}
