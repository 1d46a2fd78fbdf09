/*
 * lexicon.c — the analyzer's lexicons as data: English terms (lower case;
 * matched on word boundaries, plural s/es allowed) and common Chinese
 * (simplified and traditional) and Japanese terms (matched as substrings).
 * Within a list, a longer term precedes any shorter term it contains, so
 * "golden hour" is reported rather than "hour", "阳光" rather than "光".
 */
#include "ig_autoconf.h"

#include <stddef.h>

#include "lib/prompts/lexicon.h"

static const char *const subject[] = {
	/* people */
	"astronaut", "person", "people", "woman", "man", "men", "women", "girl", "boy", "child",
	"children", "old man", "old woman", "face", "portrait", "dancer", "musician", "chef",
	"knight", "wizard", "witch", "warrior", "samurai", "ninja", "princess", "prince", "king",
	"queen", "monk", "pilot", "soldier", "fisherman", "sailor", "explorer", "scientist",
	"detective", "character", "figure", "couple", "family", "crowd",
	/* animals and creatures */
	"cat", "kitten", "dog", "puppy", "fox", "wolf", "horse", "bird", "owl", "eagle", "raven",
	"hummingbird", "parrot", "lion", "tiger", "leopard", "elephant", "giraffe", "bear",
	"panda", "rabbit", "deer", "stag", "whale", "dolphin", "octopus", "jellyfish", "turtle",
	"koi", "fish", "butterfly", "bee", "frog", "snake", "dragon", "phoenix", "unicorn",
	"griffin", "creature", "monster", "golem", "spirit",
	/* places and things */
	"mountain", "valley", "canyon", "waterfall", "river", "lake", "ocean", "sea", "beach",
	"coast", "island", "desert", "dune", "forest", "jungle", "meadow", "field", "glacier",
	"volcano", "cave", "sky", "moon", "planet", "galaxy", "nebula", "star", "city",
	"skyline", "street", "alley", "market", "village", "town", "castle", "palace", "tower",
	"lighthouse", "bridge", "temple", "shrine", "cathedral", "church", "ruins", "house",
	"cabin", "cottage", "library", "station", "harbor", "skyscraper", "building",
	"interior", "room", "kitchen", "garden", "greenhouse", "robot", "android", "mech",
	"spaceship", "starship", "space station", "car", "train", "ship", "boat", "airship",
	"flower", "rose", "tree", "cherry blossom", "mushroom", "crystal", "sword", "bottle",
	"perfume", "watch", "sneaker", "shoe", "headphones", "camera", "lamp", "chair", "cup",
	"mug", "teapot", "coffee", "tea", "cake", "pastry", "bread", "croissant", "pizza",
	"burger", "ramen", "sushi", "noodle", "dumpling", "salad", "soup", "fruit", "dessert",
	"chocolate", "cocktail", "wine", "landscape", "cityscape", "seascape", "shapes",
	"spheres", "cubes",
	/* more people, creatures and things */
	"mermaid", "elf", "elves", "fairy", "fairies", "giant", "sphinx", "treant", "sorceress",
	"paladin", "bard", "alchemist", "necromancer", "ranger", "serpent", "cyborg", "alien",
	"runner", "skateboarder", "barber", "potter", "bride", "sisters", "brothers", "cellist",
	"violinist", "saxophonist", "beekeeper", "farmer", "mountaineer", "calligrapher",
	"fisherwoman", "herder", "painter", "blacksmith", "firefighter", "botanist", "surfer",
	"grandmother", "grandfather", "clockmaker", "courier", "heron", "collie", "chameleon",
	"penguin", "raccoon", "kingfisher", "meerkat", "manta ray", "sloth", "bison", "crow",
	"flamingo", "hedgehog", "panther", "squid", "sheep", "cow", "goat", "camel",
	"cypress", "bamboo", "orchard", "moor", "cliff", "cove", "gorge", "fjord", "ridge",
	"tidal pool", "lagoon", "grove", "hill", "pond", "stream", "terraces", "salt flats",
	"chapel", "pavilion", "townhouse", "atrium", "staircase", "stairs", "airport",
	"terminal", "pier", "jetty", "courtyard", "citadel", "portal", "labyrinth", "workshop",
	"tavern", "dome", "colony", "diner", "asteroid", "comet", "drone", "vessel", "rig",
	"chamber", "base", "earbud", "boot", "kettle", "keyboard", "backpack", "helmet",
	"sunglasses", "ring", "handbag", "controller", "toothbrush", "speaker", "candle",
	"pen", "gloves", "knife", "knives", "soap", "serum", "lipstick", "sweater", "smartwatch",
	"espresso maker", "jar", "pancake", "taco", "pho", "pie", "curry", "tart", "paella",
	"macaron", "pasta", "corn", "steak", "fondue", "honey", "egg", "toast", "latte",
	"matcha", "dim sum", "charcuterie", "poke bowl", "loaf", "berries", "watermelon",
	"hot pot", "croquembouche", "sticky rice", "ink", "glass", "liquid metal", "metal",
	"brushstrokes", "ripples", "fractal", "paper", "pattern", "smoke", "circles",
	"powder", "lines", "marble", "waves", "threads", "sphere", "texture", "gradient",
	"blobs", "bands", "drop", "splash", "pixels", "particles", "tiles", "sand", "textile",
	"fireworks", "bubbles", "cells", "honeycomb", "polygons", "clock", "shards",
	"structures", "landmark", "wristwatch", "computer", "wall", "tube", "objects",
	/* Chinese */
	"宇航员", "女孩", "男孩", "少女", "女人", "男人", "老人", "孩子", "人物", "骑士", "武士",
	"公主", "猫咪", "猫", "狗", "狐狸", "狼", "马", "鸟", "龙", "凤凰", "鲸", "蝴蝶", "熊猫",
	"山脉", "高山", "雪山", "山", "河流", "湖泊", "湖", "大海", "海洋", "海", "森林", "沙漠",
	"瀑布", "城市", "街道", "村庄", "城堡", "宫殿", "寺庙", "塔", "桥", "建筑", "房子",
	"机器人", "飞船", "宇宙", "星空", "月亮", "花朵", "樱花", "花", "树", "风景", "山水",
	"咖啡", "茶", "蛋糕", "美食", "面条", "拉面", "寿司", "水果", "产品", "香水", "手表",
	"貓", "龍", "鳥", "風景", "城市", "機器人", "建築",
	/* Japanese */
	"女の子", "男の子", "侍", "忍者", "猫", "犬", "狐", "ドラゴン", "ロボット", "城", "神社",
	"寺", "街並み", "街", "桜", "富士山", "宇宙船", "料理", "ラーメン", "ケーキ", "森",
	NULL
};

static const char *const style[] = {
	"photorealistic", "hyperrealistic", "realistic", "photograph", "photography", "photo",
	"oil painting", "acrylic painting", "painting", "watercolor", "watercolour", "gouache",
	"ink wash", "ink drawing", "pencil sketch", "charcoal sketch", "charcoal", "sketch",
	"line art", "pixel art", "8-bit", "16-bit", "anime", "manga", "cel shaded", "cel-shaded",
	"cartoon", "comic book", "illustration", "digital art", "digital painting", "concept art",
	"matte painting", "3d render", "3d rendering", "octane render", "unreal engine",
	"blender", "low poly", "isometric", "voxel", "claymation", "cyberpunk", "steampunk",
	"synthwave", "vaporwave", "art nouveau", "art deco", "impressionist", "impressionism",
	"expressionist", "surrealist", "surrealism", "cubist", "minimalist", "minimalism",
	"baroque", "renaissance", "ukiyo-e", "woodblock print", "pop art", "street art",
	"graffiti", "stained glass", "origami", "papercut", "collage", "vector art",
	"flat design", "studio ghibli style", "film still", "polaroid", "35mm film",
	"analog film", "double exposure", "long exposure", "tilt-shift",
	/* Chinese */
	"超写实", "写实", "照片", "摄影", "油画", "水彩画", "水彩", "水墨画", "水墨", "国画", "工笔",
	"素描", "铅笔画", "线稿", "像素风", "像素", "动漫", "二次元", "漫画", "插画", "赛博朋克",
	"蒸汽朋克", "3d渲染", "三维渲染", "渲染", "油畫", "寫實", "插畫", "動漫",
	/* Japanese */
	"油絵", "水彩画", "写実的", "写真", "アニメ", "イラスト", "スケッチ", "ドット絵",
	"サイバーパンク", "浮世絵", "水墨画",
	NULL
};

static const char *const lighting[] = {
	"golden hour", "blue hour", "magic hour", "soft light", "soft lighting", "hard light",
	"rim light", "rim lighting", "backlight", "backlit", "volumetric light",
	"volumetric lighting", "god rays", "crepuscular rays", "studio lighting", "studio light",
	"softbox", "natural light", "ambient light", "dramatic lighting", "cinematic lighting",
	"chiaroscuro", "low key", "high key", "candlelight", "candlelit", "firelight",
	"lantern light", "moonlight", "moonlit", "starlight", "sunlight", "sunlit", "sunrise",
	"sunset", "dawn", "dusk", "twilight", "neon", "neon glow", "glow", "glowing",
	"bioluminescent", "bioluminescence", "overcast", "diffused light", "dappled light",
	"harsh shadows", "shadows", "silhouette", "spotlight", "lens flare", "bokeh",
	"light rays", "lighting", "lit",
	"first light", "morning light", "afternoon light", "evening light", "daylight",
	"streetlight", "streetlamp", "lantern", "lightning", "fairy lights", "reflection",
	"light",
	/* Chinese */
	"黄金时刻", "阳光", "日光", "月光", "星光", "夕阳", "日落", "日出", "黄昏", "霓虹灯",
	"霓虹", "逆光", "侧光", "柔光", "烛光", "灯光", "光影", "光线", "体积光", "剪影", "陽光",
	"燈光", "光",
	/* Japanese */
	"夕日", "朝日", "月明かり", "木漏れ日", "ネオン", "逆光", "照明",
	NULL
};

static const char *const composition[] = {
	"extreme close-up", "close-up", "closeup", "macro", "wide shot", "wide angle",
	"wide-angle", "ultra wide", "panoramic", "panorama", "aerial view", "aerial",
	"bird's eye view", "bird's-eye view", "top-down", "overhead", "flat lay",
	"low angle", "high angle", "eye level", "worm's eye view", "full body", "full-body",
	"half body", "headshot", "medium shot", "long shot", "establishing shot", "portrait orientation",
	"rule of thirds", "symmetrical", "symmetry", "centered", "leading lines",
	"negative space", "framing", "foreground", "background", "depth of field",
	"shallow depth of field", "vanishing point", "in the distance", "side view",
	"profile view", "three-quarter view", "from above", "from below", "isometric view",
	"composition", "85mm", "50mm", "35mm", "24mm", "telephoto",
	/* Chinese */
	"特写", "近景", "中景", "远景", "全景", "全身", "半身", "俯视", "仰视", "俯瞰", "鸟瞰",
	"广角", "对称", "构图", "前景", "背景", "景深", "特寫", "構圖",
	/* Japanese */
	"クローズアップ", "アップ", "全身", "広角", "構図", "俯瞰", "背景", "アオリ",
	NULL
};

static const char *const mood[] = {
	"serene", "peaceful", "tranquil", "calm", "quiet", "melancholic", "melancholy",
	"nostalgic", "wistful", "lonely", "somber", "gloomy", "moody", "dark", "ominous",
	"eerie", "haunting", "creepy", "mysterious", "mystical", "magical", "dreamy",
	"dreamlike", "ethereal", "whimsical", "playful", "joyful", "cheerful", "cozy",
	"warm", "romantic", "epic", "majestic", "heroic", "dramatic", "intense", "chaotic",
	"energetic", "vibrant", "tense", "hopeful", "uplifting", "serious", "solemn",
	"atmospheric", "cinematic", "surreal", "bleak", "desolate", "triumphant", "festive",
	"elegant", "luxurious", "rustic", "futuristic", "gritty",
	/* Chinese */
	"宁静", "寧靜", "安静", "平静", "神秘", "梦幻", "夢幻", "温馨", "温暖", "浪漫", "忧郁",
	"憂鬱", "孤独", "史诗", "壮丽", "壮观", "黑暗", "阴郁", "诡异", "欢快", "活泼", "怀旧",
	"空灵", "唯美", "氛围",
	/* Japanese */
	"幻想的", "神秘的", "静か", "穏やか", "切ない", "懐かしい", "幻想", "ノスタルジック",
	"雰囲気",
	NULL
};

static const char *const quality[] = {
	"masterpiece", "best quality", "high quality", "highly detailed", "ultra detailed",
	"intricate detail", "intricate details", "intricate", "detailed", "sharp focus",
	"crisp", "8k", "4k", "uhd", "hdr", "high resolution", "high-resolution", "hi-res",
	"award-winning", "award winning", "professional", "trending on artstation",
	"fine detail", "fine details", "textured", "ray tracing", "ray traced",
	"subsurface scattering", "physically based", "polished",
	/* Chinese */
	"杰作", "傑作", "最佳质量", "高质量", "高品質", "超高清", "高清", "超精细", "精细",
	"细节丰富", "细节", "細節", "细腻", "锐利",
	/* Japanese */
	"最高品質", "高画質", "高精細", "精密", "緻密", "詳細",
	NULL
};

const ig_lexicon ig_lexicons[IG_EL__MAX] = {
	[IG_EL_SUBJECT] = { "subject",
	    "Name a clear subject: who or what the image is of (a red fox, an old lighthouse, a bowl of ramen).",
	    subject },
	[IG_EL_STYLE] = { "style",
	    "Add an art style or medium (oil painting, watercolor, anime, photorealistic, pixel art, 3D render).",
	    style },
	[IG_EL_LIGHTING] = { "lighting",
	    "Describe the lighting (golden hour, soft studio light, neon glow, moonlight, rim light).",
	    lighting },
	[IG_EL_COMPOSITION] = { "composition",
	    "Say how the shot is framed (close-up, wide angle, aerial view, rule of thirds, shallow depth of field).",
	    composition },
	[IG_EL_MOOD] = { "mood",
	    "Give the mood or atmosphere (serene, mysterious, cozy, epic, melancholic).",
	    mood },
	[IG_EL_QUALITY] = { "quality_modifiers",
	    "Add quality modifiers (highly detailed, sharp focus, 8k, intricate textures).",
	    quality },
};
