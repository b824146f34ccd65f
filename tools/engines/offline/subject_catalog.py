"""The subjects the offline painter can draw: one line each, read once.

Each line is `name | figure | other words | place | size`:
- `figure` is the file stem of a vendored picture in `subjects/` (see its README for where they come from);
- `other words` are what people call it besides its name (a plural `s`/`es` is always understood);
- `place` says where it goes in a scene: `ground` (stands on the land), `sky` (flies), `water` (floats),
  `bust` (a head-and-shoulders figure: stands at the front edge of the picture, cut by the frame);
- `size` is a rough real height in metres, so a cat beside a house stays small.
"""

from __future__ import annotations

from dataclasses import dataclass

_TABLE = """
cat | cat | kitten, kitty, kitties, tabby, moggy | ground | 0.35
black cat | black-cat | | ground | 0.35
dog | dog | puppy, puppies, pup, doggy, doggie, hound, labrador, retriever | ground | 0.6
poodle | poodle | | ground | 0.6
fox | fox | foxes, vixen | bust | 0.5
wolf | wolf | wolves | bust | 0.8
lion | lion | lions, lioness | bust | 1.1
tiger | tiger | | ground | 1.0
leopard | leopard | cheetah, jaguar, panther | ground | 0.9
horse | horse | pony, ponies, stallion, mare, steed | ground | 1.7
unicorn | unicorn | | bust | 1.7
zebra | zebra | | ground | 1.5
deer | deer | stag, doe, fawn, reindeer | ground | 1.4
moose | moose | elk | bust | 2.0
bison | bison | buffalo | ground | 1.8
cow | cow | cattle, calf, calves | ground | 1.5
ox | ox | oxen, bull | ground | 1.6
pig | pig | piglet, hog, swine | ground | 0.9
boar | boar | | ground | 0.9
sheep | ewe | lamb | ground | 0.9
ram | ram | | ground | 1.0
goat | goat | | ground | 0.9
camel | two-hump-camel | dromedary | ground | 2.1
llama | llama | alpaca | ground | 1.7
giraffe | giraffe | | ground | 5.0
elephant | elephant | | ground | 3.0
mammoth | mammoth | | ground | 3.5
rhinoceros | rhinoceros | rhino | ground | 1.7
hippopotamus | hippopotamus | hippo, hippopotami | ground | 1.5
mouse | mouse | mice | ground | 0.1
rat | rat | | ground | 0.12
hamster | hamster | | bust | 0.1
rabbit | rabbit | bunny, bunnies, hare | ground | 0.35
chipmunk | chipmunk | squirrel | ground | 0.25
beaver | beaver | | ground | 0.4
hedgehog | hedgehog | porcupine | ground | 0.2
bat | bat | | sky | 0.3
bear | bear | grizzly, grizzlies, teddy bear | bust | 1.5
polar bear | polar-bear | | bust | 1.6
koala | koala | | bust | 0.7
panda | panda | | bust | 1.2
sloth | sloth | | ground | 0.6
otter | otter | | ground | 0.4
skunk | skunk | | ground | 0.35
kangaroo | kangaroo | wallaby, wallabies | ground | 1.6
badger | badger | | ground | 0.35
raccoon | raccoon | racoon | ground | 0.5
monkey | monkey | chimp, chimpanzee | ground | 0.8
gorilla | gorilla | ape | ground | 1.7
orangutan | orangutan | | ground | 1.4
dodo | dodo | | ground | 0.8
chicken | chicken | hen | ground | 0.45
rooster | rooster | cockerel | ground | 0.6
chick | baby-chick | chick, chicks | ground | 0.12
turkey | turkey | | ground | 0.9
bird | bird | sparrow, robin, songbird, finch | sky | 0.25
black bird | black-bird | crow, raven, blackbird | sky | 0.4
dove | dove | pigeon | sky | 0.3
eagle | eagle | hawk, falcon | sky | 0.8
owl | owl | | ground | 0.5
parrot | parrot | macaw, cockatoo | ground | 0.6
penguin | penguin | | ground | 0.8
duck | duck | duckling, mallard | water | 0.4
swan | swan | | water | 0.9
goose | goose | geese | ground | 0.8
flamingo | flamingo | | ground | 1.3
peacock | peacock | peahen | ground | 1.1
frog | frog | toad | bust | 0.1
crocodile | crocodile | alligator, croc | ground | 0.6
turtle | turtle | tortoise | ground | 0.4
lizard | lizard | gecko, iguana | ground | 0.2
snake | snake | serpent, cobra, python, viper | ground | 0.4
dragon | dragon | wyvern | ground | 6.0
dinosaur | sauropod | brontosaurus, brachiosaurus, diplodocus, sauropod | ground | 8.0
t-rex | t-rex | tyrannosaurus, trex | ground | 5.0
whale | spouting-whale | | water | 4.0
orca | orca | killer whale | water | 2.0
dolphin | dolphin | porpoise | water | 1.2
fish | fish | fishes | water | 0.3
tropical fish | tropical-fish | goldfish, clownfish | water | 0.2
shark | shark | | water | 1.5
octopus | octopus | octopi, octopuses | ground | 0.6
squid | squid | | ground | 0.6
crab | crab | | ground | 0.2
lobster | lobster | | ground | 0.3
jellyfish | jellyfish | | water | 0.4
seal | seal | sea lion, walrus | ground | 0.8
snail | snail | slug | ground | 0.08
butterfly | butterfly | butterflies, moth | sky | 0.12
bee | honeybee | bumblebee, wasp | sky | 0.1
ladybug | lady-beetle | ladybird, ladybugs | ground | 0.06
ant | ant | | ground | 0.05
spider | spider | tarantula | ground | 0.1
bug | bug | caterpillar, insect | ground | 0.08
scorpion | scorpion | | ground | 0.1
person | person-standing | people, human, someone, stranger | ground | 1.75
man | man-standing | men, guy, gentleman, gentlemen | ground | 1.8
woman | woman-standing | women, lady, ladies | ground | 1.7
walker | person-walking | hiker, pedestrian, wanderer, traveler, traveller | ground | 1.75
runner | person-running | jogger | ground | 1.75
child | child | children, kid, toddler | bust | 1.2
boy | boy | | bust | 1.3
girl | girl | | bust | 1.3
baby | baby | infant | bust | 0.6
old man | old-man | grandfather, grandpa | bust | 1.7
old woman | old-woman | grandmother, grandma, granny | bust | 1.6
couple | woman-and-man-holding-hands | lovers, pair of people | ground | 1.75
dancer | woman-dancing | ballerina | ground | 1.7
skier | skier | skiing | ground | 1.7
snowboarder | snowboarder | | ground | 1.7
surfer | person-surfing | surfing | water | 1.7
swimmer | person-swimming | swimming | water | 1.0
cyclist | person-biking | biker, bicyclist, biking | ground | 1.7
rower | person-rowing-boat | rowing boat, rowboat, row boat | water | 1.2
climber | person-climbing | | ground | 1.7
golfer | person-golfing | | ground | 1.8
chef | cook | cook, baker | bust | 1.8
firefighter | firefighter | fireman, firemen | bust | 1.8
police officer | police-officer | policeman, policemen, policewoman, cop | bust | 1.8
astronaut | astronaut | cosmonaut, spaceman, spacemen | bust | 1.8
doctor | health-worker | nurse, physician, medic | bust | 1.8
teacher | teacher | professor | bust | 1.8
farmer | farmer | | bust | 1.8
painter | artist | artist | bust | 1.8
pilot | pilot | | bust | 1.8
scientist | scientist | chemist | bust | 1.8
singer | singer | rock star, rockstar | bust | 1.8
detective | detective | spy, sleuth | bust | 1.8
guard | guard | soldier | bust | 1.8
builder | construction-worker | construction worker | bust | 1.8
mechanic | mechanic | | bust | 1.8
student | student | graduate | bust | 1.7
judge | judge | | bust | 1.8
office worker | office-worker | businessman, businesswoman, clerk | bust | 1.8
programmer | technologist | coder, developer, hacker | bust | 1.8
king | person-with-crown | queen, monarch, emperor, empress | bust | 1.8
prince | prince | | bust | 1.8
princess | princess | | bust | 1.7
santa claus | santa-claus | santa, father christmas | bust | 1.8
wizard | mage | witch, sorcerer, sorceress, mage, magician | bust | 1.8
fairy | fairy | fairies, pixie, pixies, sprite | sky | 0.5
vampire | vampire | dracula | bust | 1.8
elf | elf | elves | bust | 1.6
genie | genie | | bust | 2.0
zombie | zombie | undead | bust | 1.8
superhero | superhero | super hero, hero, heroine | sky | 1.9
villain | supervillain | supervillain | ground | 1.9
ninja | ninja | samurai | ground | 1.75
mermaid | mermaid | merman, mermen, mermaids | water | 1.6
troll | troll | | ground | 2.0
ghost | ghost | phantom, spook | sky | 1.7
alien | alien | extraterrestrial, martian | bust | 1.6
space invader | alien-monster | | ground | 1.5
robot | robot | android, droid, cyborg | bust | 1.6
skull | skull | | ground | 0.25
snowman | snowman-without-snow | snowmen, snow man | ground | 1.6
phoenix | phoenix | firebird | sky | 1.5
angel | baby-angel | cherub | bust | 1.0
car | automobile | cars, auto, sedan, vehicle | ground | 1.5
taxi | taxi | cab | ground | 1.5
police car | police-car | | ground | 1.5
racing car | racing-car | race car, racecar, sports car, formula one | ground | 1.1
suv | sport-utility-vehicle | jeep, 4x4 | ground | 1.8
pickup truck | pickup-truck | pickup | ground | 1.9
truck | articulated-lorry | lorry, lorries, big rig | ground | 4.0
van | delivery-truck | delivery truck | ground | 2.8
bus | bus | | ground | 3.2
minibus | minibus | camper van, campervan | ground | 2.2
fire engine | fire-engine | fire truck, firetruck | ground | 3.2
ambulance | ambulance | | ground | 2.8
tractor | tractor | | ground | 2.8
bicycle | bicycle | bike | ground | 1.1
motorcycle | motorcycle | motorbike, moped | ground | 1.2
scooter | motor-scooter | vespa | ground | 1.2
kick scooter | kick-scooter | | ground | 1.0
skateboard | skateboard | | ground | 0.12
train | locomotive | steam train, steam engine, locomotive | ground | 4.0
bullet train | high-speed-train | high-speed train, shinkansen | ground | 3.8
tram | tram | streetcar, trolley | ground | 3.5
airplane | airplane | plane, aeroplane, jet, airliner, aircraft | sky | 12.0
small airplane | small-airplane | propeller plane, biplane | sky | 4.0
helicopter | helicopter | chopper | sky | 4.0
rocket | rocket | spaceship, spacecraft, starship, space shuttle | sky | 30.0
flying saucer | flying-saucer | ufo, ufos | sky | 5.0
parachute | parachute | parachutist, skydiver | sky | 6.0
satellite | satellite | | sky | 5.0
kite | kite | | sky | 1.0
sailboat | sailboat | sailing boat, yacht, sail boat | water | 10.0
boat | motor-boat | motorboat, dinghy | water | 2.5
speedboat | speedboat | | water | 2.0
canoe | canoe | kayak | water | 0.8
ship | passenger-ship | cruise ship, ocean liner, liner | water | 30.0
ferry | ferry | | water | 15.0
steamship | ship | steamer, steamboat | water | 20.0
apple | red-apple | apples | ground | 0.1
green apple | green-apple | | ground | 0.1
pear | pear | | ground | 0.12
orange | tangerine | oranges, tangerine, mandarin | ground | 0.1
lemon | lemon | | ground | 0.1
banana | banana | | ground | 0.2
watermelon | watermelon | | ground | 0.3
grapes | grapes | grape | ground | 0.15
strawberry | strawberry | strawberries | ground | 0.05
cherry | cherries | cherries | ground | 0.05
peach | peach | | ground | 0.1
pineapple | pineapple | | ground | 0.3
coconut | coconut | | ground | 0.15
avocado | avocado | | ground | 0.12
tomato | tomato | tomatoes | ground | 0.08
carrot | carrot | | ground | 0.2
corn | ear-of-corn | maize | ground | 0.25
broccoli | broccoli | | ground | 0.15
eggplant | eggplant | aubergine | ground | 0.2
mushroom | mushroom | toadstool, fungus, fungi | ground | 0.15
potato | potato | potatoes | ground | 0.1
bread | bread | loaf, loaves | ground | 0.12
baguette | baguette-bread | | ground | 0.5
croissant | croissant | | ground | 0.06
cheese | cheese-wedge | | ground | 0.1
egg | egg | eggs | ground | 0.06
pancakes | pancakes | pancake | ground | 0.1
hamburger | hamburger | burger, cheeseburger | ground | 0.12
pizza | pizza | | ground | 0.05
hot dog | hot-dog | hotdog | ground | 0.08
taco | taco | | ground | 0.08
burrito | burrito | | ground | 0.08
sandwich | sandwich | | ground | 0.1
french fries | french-fries | fries, chips | ground | 0.15
spaghetti | spaghetti | pasta, noodles | ground | 0.1
sushi | sushi | | ground | 0.05
ramen | steaming-bowl | noodle soup, soup | ground | 0.12
rice | cooked-rice | | ground | 0.1
cake | birthday-cake | birthday cake | ground | 0.25
cupcake | cupcake | muffin | ground | 0.08
pie | pie | tart | ground | 0.08
doughnut | doughnut | donut | ground | 0.05
cookie | cookie | biscuit | ground | 0.03
ice cream | ice-cream | sundae | ground | 0.15
ice cream cone | soft-ice-cream | cone | ground | 0.15
chocolate | chocolate-bar | | ground | 0.03
candy | lollipop | lollipop, sweets | ground | 0.15
popcorn | popcorn | | ground | 0.15
honey | honey-pot | | ground | 0.15
coffee | hot-beverage | cup of coffee, coffee cup, cup of tea, tea, mug, latte, cappuccino, espresso | ground | 0.1
teapot | teapot | kettle | ground | 0.2
wine | wine-glass | wine glass, glass of wine | ground | 0.2
beer | beer-mug | pint | ground | 0.18
cocktail | tropical-drink | drink, smoothie | ground | 0.18
milk | glass-of-milk | glass of milk | ground | 0.15
tree | deciduous-tree | oak, oak tree, maple tree | ground | 10.0
pine tree | evergreen-tree | fir, spruce, conifer, evergreen | ground | 14.0
palm tree | palm-tree | palm, coconut tree | ground | 10.0
christmas tree | christmas-tree | xmas tree | ground | 3.0
bare tree | leafless-tree | dead tree, leafless tree | ground | 8.0
cactus | cactus | cacti, saguaro | ground | 2.5
flower | blossom | flowers, bloom, blossom, daisy, daisies | ground | 0.4
rose | rose | | ground | 0.5
tulip | tulip | | ground | 0.4
sunflower | sunflower | | ground | 1.8
hibiscus | hibiscus | | ground | 0.4
lotus | lotus | water lily, waterlily | water | 0.3
cherry blossom | cherry-blossom | sakura | ground | 0.3
bouquet | bouquet | bunch of flowers | ground | 0.5
potted plant | potted-plant | houseplant, house plant, plant | ground | 0.6
seedling | seedling | sprout, sapling | ground | 0.15
four leaf clover | four-leaf-clover | clover, shamrock | ground | 0.1
maple leaf | maple-leaf | autumn leaf, leaf, leaves | ground | 0.1
house | house | home, cottage, cabin, bungalow | ground | 8.0
farmhouse | house-with-garden | farm house, homestead | ground | 8.0
hut | hut | shack | ground | 4.0
castle | castle | fortress, palace, citadel | ground | 30.0
japanese castle | japanese-castle | pagoda | ground | 30.0
church | church | chapel, cathedral | ground | 20.0
mosque | mosque | | ground | 25.0
temple | hindu-temple | | ground | 20.0
classical building | classical-building | museum, parthenon, courthouse | ground | 15.0
office building | office-building | skyscraper, tower block | ground | 60.0
school | school | schoolhouse | ground | 12.0
hospital | hospital | | ground | 20.0
hotel | hotel | | ground | 30.0
shop | convenience-store | store, supermarket, bakery, cafe, café, coffee shop | ground | 6.0
factory | factory | | ground | 15.0
stadium | stadium | arena | ground | 30.0
lighthouse | lighthouse | | ground | 25.0
ruin | derelict-house | ruins, abandoned house, haunted house | ground | 8.0
tent | tent | | ground | 1.5
campsite | camping | camping, campfire, camp | ground | 2.0
ferris wheel | ferris-wheel | big wheel | ground | 40.0
roller coaster | roller-coaster | rollercoaster | ground | 30.0
carousel | carousel-horse | merry-go-round | ground | 2.0
fountain | fountain | | ground | 3.0
statue of liberty | statue-of-liberty | | ground | 90.0
moai | moai | easter island statue, stone head | ground | 6.0
volcano | volcano | | ground | 1000.0
chair | chair | stool | ground | 1.0
couch | couch-and-lamp | sofa | ground | 1.2
bed | bed | | ground | 0.7
door | door | doorway | ground | 2.0
umbrella | umbrella-on-ground | parasol, beach umbrella | ground | 2.2
guitar | guitar | | ground | 1.0
violin | violin | fiddle | ground | 0.6
piano | musical-keyboard | keyboard, synthesizer | ground | 1.0
drum | drum | drums | ground | 0.5
trumpet | trumpet | | ground | 0.5
saxophone | saxophone | sax | ground | 0.8
book | books | books, novel | ground | 0.25
laptop | laptop | notebook computer | ground | 0.25
computer | desktop-computer | pc | ground | 0.5
television | television | tv | ground | 0.6
phone | mobile-phone | smartphone, cellphone, iphone | ground | 0.15
camera | camera | | ground | 0.12
clock | mantelpiece-clock | | ground | 0.3
lamp | light-bulb | light bulb, bulb | ground | 0.2
candle | candle | candles | ground | 0.2
lantern | red-paper-lantern | | sky | 0.5
balloon | balloon | balloons, party balloon | sky | 0.4
gift | wrapped-gift | parcel | ground | 0.3
teddy bear | teddy-bear | teddy, stuffed animal, plush | ground | 0.4
ball | soccer-ball | football, soccer ball | ground | 0.22
basketball | basketball | | ground | 0.24
baseball | baseball | | ground | 0.07
tennis ball | tennis | | ground | 0.07
crown | crown | tiara | ground | 0.2
hat | top-hat | top hat, tophat | ground | 0.25
cap | billed-cap | baseball cap | ground | 0.15
womens hat | womans-hat | sun hat, sunhat, straw hat | ground | 0.2
glasses | glasses | spectacles | ground | 0.05
sunglasses | sunglasses | | ground | 0.05
scarf | scarf | | ground | 0.5
backpack | backpack | rucksack | ground | 0.5
suitcase | luggage | luggage, baggage | ground | 0.7
bag | handbag | purse | ground | 0.3
shoe | running-shoe | sneaker | ground | 0.12
boot | hiking-boot | | ground | 0.2
dress | dress | gown | ground | 1.3
key | old-key | | ground | 0.08
sword | dagger | dagger, blade | ground | 1.0
shield | shield | | ground | 0.8
bow and arrow | bow-and-arrow | archery | ground | 1.5
magic wand | magic-wand | wand | ground | 0.35
crystal ball | crystal-ball | | ground | 0.3
treasure chest | treasure-chest | treasure | ground | 0.6
anchor | anchor | | ground | 1.0
bell | bell | | ground | 0.4
trophy | trophy | | ground | 0.4
telescope | telescope | | ground | 1.5
microscope | microscope | | ground | 0.4
hammer | hammer | | ground | 0.3
axe | axe | ax | ground | 0.8
shovel | shovel | spade | ground | 1.2
scissors | scissors | | ground | 0.2
pencil | pencil | crayon | ground | 0.18
paintbrush | paintbrush | | ground | 0.3
palette | artist-palette | | ground | 0.3
envelope | envelope | | ground | 0.15
gem | gem-stone | diamond, jewel, gemstone | ground | 0.1
ring | ring | wedding ring | ground | 0.03
coin | coin | | ground | 0.03
money bag | money-bag | sack of money | ground | 0.5
rock | rock | boulder, stone | ground | 0.8
wood | wood | logs, log, firewood | ground | 0.4
fire | fire | flames, flame, bonfire | ground | 1.0
comet | comet | shooting star | sky | 6.0
planet | ringed-planet | saturn, planets | sky | 20.0
globe | globe-showing-europe-africa | earth | sky | 20.0
tornado | tornado | twister | ground | 80.0
snowflake | snowflake | | sky | 1.0
heart | red-heart | hearts | sky | 0.5
"""


@dataclass(frozen=True)
class Subject:
    name: str
    figure: str
    words: tuple[str, ...]
    place: str  # ground | sky | water | bust
    size: float  # metres, roughly


def _read(table: str) -> tuple[Subject, ...]:
    subjects = []
    for line in table.strip().splitlines():
        name, figure, others, place, size = (cell.strip() for cell in line.split("|"))
        words = (name, *(w.strip() for w in others.split(",") if w.strip()))
        subjects.append(Subject(name, figure, tuple(dict.fromkeys(words)), place, float(size)))
    return tuple(subjects)


SUBJECTS: tuple[Subject, ...] = _read(_TABLE)
BY_NAME: dict[str, Subject] = {s.name: s for s in SUBJECTS}
FIGURES: frozenset[str] = frozenset(s.figure for s in SUBJECTS)
